package dev.spamcheck.gateway.lookup;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.schemas.topic.SourceVerdict;

/**
 * The 200 answer of {@code POST /api/v1/spam_score}.
 *
 * @param stale true on a stale answer, absent otherwise (so fresh answers read as they always have)
 * @param risk the sources' combined grade (0 to 100), where any graded
 * @param sources each source's verdict, for a score checked since there were several
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record SpamScoreResponse(
        @JsonProperty("spam_score") int spamScore,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("stale") Boolean stale,
        @JsonProperty("risk") Integer risk,
        @JsonProperty("sources") List<SourceVerdict> sources) {
}
