package dev.spamcheck.schemas.topic;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A number's definitive spam score changed, on {@link Topics#REPUTATION_CHANGES}, keyed by number
 * hash. Schema: {@code schemas/reputation-change.schema.json}. {@code previousScore} is null when
 * this is the number's first definitive answer (which is a change only when it is flagged). The
 * number is there as its hash, its last four digits and its ciphertext, never in plaintext.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReputationChange(
        @JsonProperty("id") String id,
        @JsonProperty("type") Type type,
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("number_last4") String numberLast4,
        @JsonProperty("number_ciphertext") String numberCiphertext,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("previous_score") Integer previousScore,
        @JsonProperty("spam_score") int spamScore,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("source") Source source) {

    public ReputationChange {
        // Required by the schema, and what the webhook fan-out stores: a record without one is
        // unreadable (dead-lettered) rather than a row PostgreSQL refuses on every redelivery,
        // holding up the changes after it.
        if (id == null || type == null || numberHash == null || numberLast4 == null || numberCiphertext == null
                || checkedAt == null || source == null) {
            throw new IllegalArgumentException(
                    "id, type, number_hash, number_last4, number_ciphertext, checked_at and source are required");
        }
    }

    public enum Type {
        @JsonProperty("number.flagged") FLAGGED,
        @JsonProperty("number.cleared") CLEARED
    }

    /** What found the change: a caller's lookup, a campaign's prewarm, or the nightly re-check. */
    public enum Source {
        @JsonProperty("interactive") INTERACTIVE,
        @JsonProperty("prewarm") PREWARM,
        @JsonProperty("nightly") NIGHTLY;

        public static Source of(LookupRequest.Origin origin) {
            if (origin == null) {
                // Results written before results named their origin count as the API's.
                return INTERACTIVE;
            }
            return switch (origin) {
                case INTERACTIVE -> INTERACTIVE;
                case PREWARM -> PREWARM;
                case RECHECK -> NIGHTLY;
            };
        }
    }

    /**
     * The change a new definitive score makes after {@code previousScore} (null: none before), or
     * null when it is none. Its id depends only on the number, the answer's time and the scores,
     * so the same change found again (a replay, a retried transaction) keeps its id.
     */
    public static ReputationChange between(Integer previousScore, LookupResult result) {
        int score = result.spamScore();
        if (previousScore == null ? score == 0 : previousScore == score) {
            return null;
        }
        String identity = result.numberHash() + "|" + result.checkedAt() + "|" + previousScore + "|" + score;
        return new ReputationChange(UUID.nameUUIDFromBytes(identity.getBytes(StandardCharsets.UTF_8)).toString(),
                score == 1 ? Type.FLAGGED : Type.CLEARED, result.numberHash(), result.last4(),
                result.numberCiphertext(), result.campaignId(), previousScore, score, result.checkedAt(),
                Source.of(result.origin()));
    }
}
