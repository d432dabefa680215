package dev.spamcheck.gateway.lookup;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The 200 answer of {@code POST /api/v1/spam_score}. */
record SpamScoreResponse(
        @JsonProperty("spam_score") int spamScore,
        @JsonProperty("checked_at") Instant checkedAt) {
}
