package dev.spamcheck.schemas.topic;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A request to look a number up, on {@link Topics#LOOKUP_REQUESTS}. Schema:
 * {@code schemas/lookup-request.schema.json}. {@code deadline} is when the caller stops waiting
 * (interactive requests only): no Twilio call is started for a request that cannot be answered by
 * then. {@code client} is the id of the token that asked (interactive requests only): the worker
 * lets clients take turns by it. Nightly re-checks travel as lookup requests on
 * {@link Topics#LOOKUP_PREWARM} too.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Read as itself, not by the type deduction it would inherit from PrewarmEntry (see PrewarmEntry.Reader).
@JsonTypeInfo(use = JsonTypeInfo.Id.NONE)
public record LookupRequest(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("number_ciphertext") String numberCiphertext,
        @JsonProperty("last4") String last4,
        @JsonProperty("origin") Origin origin,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("requested_at") Instant requestedAt,
        @JsonProperty("deadline") Instant deadline,
        @JsonProperty("client") String client) implements PrewarmEntry {

    /** A request without a client: bulk work, and interactive requests from before clients were named. */
    public LookupRequest(String requestId, String numberHash, String numberCiphertext, String last4, Origin origin,
            String campaignId, Instant requestedAt, Instant deadline) {
        this(requestId, numberHash, numberCiphertext, last4, origin, campaignId, requestedAt, deadline, null);
    }

    /** Who asked: interactive requests always take precedence over bulk work. */
    public enum Origin {
        @JsonProperty("interactive") INTERACTIVE,
        @JsonProperty("prewarm") PREWARM,
        @JsonProperty("recheck") RECHECK;

        /** Prewarm entries and nightly re-checks: nobody waits for them. */
        public boolean isBulk() {
            return this != INTERACTIVE;
        }
    }
}
