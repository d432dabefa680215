package dev.spamcheck.schemas.topic;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One gateway request as the audit trail sees it, on {@link Topics#AUDIT_EVENTS}. Schema:
 * {@code schemas/audit-event.schema.json}. The number appears only as its last four digits, and
 * for answered lookups as its hash, by which campaign health counts the campaign's numbers; the
 * audit table keeps the last four digits only. {@code target} is what an admin request acted on
 * (a token's, webhook's or job's id), never anything a caller could put a number in.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEvent(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("occurred_at") Instant occurredAt,
        @JsonProperty("token_id") String tokenId,
        @JsonProperty("client_ip") String clientIp,
        @JsonProperty("method") String method,
        @JsonProperty("path") String path,
        @JsonProperty("number_last4") String numberLast4,
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("outcome") String outcome,
        @JsonProperty("http_status") int httpStatus,
        @JsonProperty("error_code") String errorCode,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("target") String target) {

    /** An event that acted on nothing named: every lookup, and most reads. */
    public AuditEvent(String requestId, Instant occurredAt, String tokenId, String clientIp, String method, String path,
            String numberLast4, String numberHash, String campaignId, String outcome, int httpStatus, String errorCode,
            long latencyMs) {
        this(requestId, occurredAt, tokenId, clientIp, method, path, numberLast4, numberHash, campaignId, outcome,
                httpStatus, errorCode, latencyMs, null);
    }
}
