package dev.spamcheck.gateway.lookup;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The 200 answer of {@code POST /api/v1/spam_score}.
 *
 * @param stale true on a stale answer, absent otherwise (so fresh answers read as they always have)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record SpamScoreResponse(
        @JsonProperty("spam_score") int spamScore,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("stale") Boolean stale) {
}
