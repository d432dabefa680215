package dev.spamcheck.schemas.topic;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to a lookup: on {@link Topics#LOOKUP_RESULTS} when definitive, on
 * {@link Topics#LOOKUP_FAILURES} when not, keyed by number hash on both. Schema:
 * {@code schemas/lookup-result.schema.json}. {@code spamScore} is present only when the outcome is
 * {@link Outcome#SCORED}; {@code errorCode}, and {@code retryAfterSeconds} where asking again later
 * may help, only when it is {@link Outcome#UNAVAILABLE}; {@code origin} and {@code campaignId} are
 * those of the request answered. {@code risk} (the sources' combined grade, where any grades) and
 * {@code sources} (each source's verdict) come with a score (schema version 2; version 1 records,
 * without them, still read).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LookupResult(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("number_ciphertext") String numberCiphertext,
        @JsonProperty("last4") String last4,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("spam_score") Integer spamScore,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("error_code") String errorCode,
        @JsonProperty("from_cache") boolean fromCache,
        @JsonProperty("origin") LookupRequest.Origin origin,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("retry_after_seconds") Long retryAfterSeconds,
        @JsonProperty("risk") Integer risk,
        @JsonProperty("sources") List<SourceVerdict> sources) {

    public LookupResult {
        // Required by the schema, and what every consumer keys, orders and tells a number's answers
        // apart by: a record without one is unreadable (dead-lettered). Read, it would fail its
        // consumer on every redelivery, holding up every result after it (each gateway reads every
        // partition), or be kept as an answer that fails whoever is given it.
        if (requestId == null || numberHash == null || numberCiphertext == null || last4 == null || outcome == null
                || checkedAt == null) {
            throw new IllegalArgumentException(
                    "request_id, number_hash, number_ciphertext, last4, outcome and checked_at are required");
        }
        if (outcome == Outcome.SCORED && spamScore == null) {
            throw new IllegalArgumentException("a scored result needs its spam_score");
        }
        // As the schema and phone_reputation's constraint say: read, another score, or a not-found
        // with one, would fail whoever stores it (replay) instead of going to the dead-letter topic.
        if (spamScore != null && spamScore != 0 && spamScore != 1) {
            throw new IllegalArgumentException("spam_score is 0 or 1");
        }
        if (outcome == Outcome.NOT_FOUND && spamScore != null) {
            throw new IllegalArgumentException("a not_found result has no spam_score");
        }
        sources = sources == null || sources.isEmpty() ? null : List.copyOf(sources);
    }

    /** A result without the sources' verdicts: not found, unavailable, or a score from before them. */
    public LookupResult(String requestId, String numberHash, String numberCiphertext, String last4, Outcome outcome,
            Integer spamScore, Instant checkedAt, String errorCode, boolean fromCache, LookupRequest.Origin origin,
            String campaignId, Long retryAfterSeconds) {
        this(requestId, numberHash, numberCiphertext, last4, outcome, spamScore, checkedAt, errorCode, fromCache,
                origin, campaignId, retryAfterSeconds, null, null);
    }

    /** A result without a time to ask again: every definitive one, and most unavailable ones. */
    public LookupResult(String requestId, String numberHash, String numberCiphertext, String last4, Outcome outcome,
            Integer spamScore, Instant checkedAt, String errorCode, boolean fromCache, LookupRequest.Origin origin,
            String campaignId) {
        this(requestId, numberHash, numberCiphertext, last4, outcome, spamScore, checkedAt, errorCode, fromCache,
                origin, campaignId, null, null, null);
    }

    public enum Outcome {
        /** Twilio and its add-ons answered; {@code spam_score} holds the verdict policy's score. */
        @JsonProperty("scored") SCORED,
        /** Twilio does not know the number (HTTP 404, error 20404). Cached like a score. */
        @JsonProperty("not_found") NOT_FOUND,
        /** No answer could be had now; never cached. */
        @JsonProperty("unavailable") UNAVAILABLE
    }

    /** The same result with the number encrypted otherwise (key rotation). */
    public LookupResult withCiphertext(String ciphertext) {
        return new LookupResult(requestId, numberHash, ciphertext, last4, outcome, spamScore, checkedAt, errorCode,
                fromCache, origin, campaignId, retryAfterSeconds, risk, sources);
    }

    /** Whether this result may be kept in the cache. */
    public boolean isDefinitive() {
        return outcome != Outcome.UNAVAILABLE;
    }

    /**
     * The topic this result goes to: failures never share the compacted results topic, so
     * compaction can never replace a number's last answer with one, and they expire by themselves.
     */
    public Topic<String, LookupResult> topic() {
        return isDefinitive() ? Topics.LOOKUP_RESULTS : Topics.LOOKUP_FAILURES;
    }
}
