package dev.spamcheck.schemas.topic;

import java.time.Instant;
import java.time.LocalDate;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Starts the nightly maintenance for one date, on {@link Topics#ARCHIVE_TRIGGERS}. Schema:
 * {@code schemas/nightly-trigger.schema.json}. A date's job runs once however often it is
 * triggered.
 */
public record NightlyTrigger(
        @JsonProperty("trigger_id") String triggerId,
        @JsonProperty("job_date") LocalDate jobDate,
        @JsonProperty("requested_at") Instant requestedAt,
        @JsonProperty("requested_by") String requestedBy) {
}
