package dev.spamcheck.schemas.topic;

import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Starts archiver maintenance, on {@link Topics#ARCHIVE_TRIGGERS}. Schema:
 * {@code schemas/maintenance-trigger.schema.json}. The nightly job of a date runs once however
 * often it is triggered; a key rotation may run any number of times, and the trigger's id is its id.
 */
public record MaintenanceTrigger(
        @JsonProperty("trigger_id") String triggerId,
        @JsonProperty("job_date") LocalDate jobDate,
        @JsonProperty("requested_at") Instant requestedAt,
        @JsonProperty("requested_by") String requestedBy,
        @JsonProperty("job") Job job) {

    public MaintenanceTrigger {
        // Refused here, so such a record is dead-lettered: read, it would fail the archiver's job on
        // every redelivery, and every trigger after it on the one-partition topic would wait behind it.
        if (triggerId == null || jobDate == null || requestedAt == null || requestedBy == null) {
            throw new IllegalArgumentException("trigger_id, job_date, requested_at and requested_by are required");
        }
        UUID.fromString(triggerId);
        // Triggers written before there was more than one job name none.
        job = job == null ? Job.NIGHTLY : job;
    }

    /** The nightly job of {@code jobDate}. */
    public static MaintenanceTrigger nightly(String triggerId, LocalDate jobDate, Instant requestedAt,
            String requestedBy) {
        return new MaintenanceTrigger(triggerId, jobDate, requestedAt, requestedBy, Job.NIGHTLY);
    }

    /** The message key: a date's nightly triggers share a key, rotations have one of their own. */
    public String key() {
        return job == Job.NIGHTLY ? jobDate.toString() : "key-rotation";
    }

    public enum Job {
        /** Re-check, archive and purge; {@code job_date} is the date it is for. */
        @JsonProperty("nightly") NIGHTLY,
        /** Re-encrypt stored number ciphertexts under the active key; {@code job_date}: when requested. */
        @JsonProperty("key_rotation") KEY_ROTATION
    }
}
