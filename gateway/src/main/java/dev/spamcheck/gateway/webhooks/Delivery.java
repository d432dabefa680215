package dev.spamcheck.gateway.webhooks;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * One change sent (or being sent) to one subscription, as {@code GET .../deliveries} shows it.
 * {@code status}: {@code pending} (retrying at {@code next_attempt_at}), {@code delivered}, or
 * {@code dead} (retries ran out: the dead-letter record).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Delivery(
        String id,
        @JsonProperty("event_id") String eventId,
        String type,
        @JsonProperty("occurred_at") Instant occurredAt,
        String status,
        int attempts,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("next_attempt_at") Instant nextAttemptAt,
        @JsonProperty("finished_at") Instant finishedAt,
        @JsonProperty("last_status_code") Integer lastStatusCode,
        @JsonProperty("last_error") String lastError,
        // Built by PostgreSQL's json_agg from the attempts table: no caller text reaches it.
        @JsonRawValue @JsonProperty("attempt_log") String attemptLog) {
}
