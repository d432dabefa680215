package dev.spamcheck.schemas.topic;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One gateway request as the audit trail sees it, on {@link Topics#AUDIT_EVENTS}. Schema:
 * {@code schemas/audit-event.schema.json}. The number appears only as its last four digits, and
 * for answered lookups as its hash, by which campaign health counts the campaign's numbers; the
 * audit table keeps the last four digits only.
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
        @JsonProperty("latency_ms") long latencyMs) {
}
