package dev.spamcheck.gateway.jobs;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Map;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** {@code job_runs} as the admin API reads it, and today's date as the nightly job sees it. */
@Repository
class JobRuns {

    private static final TypeReference<Map<String, Object>> COUNTS = new TypeReference<>() {
    };

    private final DatabaseClient db;
    private final JsonMapper json;

    JobRuns(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** The run of a job date; empty when none has started. */
    Mono<JobRun> find(LocalDate date) {
        return db.sql("""
                SELECT status, phase, started_at, finished_at, counts::text AS counts, error
                  FROM job_runs WHERE job_date = :date""")
                .bind("date", date)
                .map(this::run)
                .one();
    }

    /** Today in {@code zone} by the database clock, as the archiver's scheduler dates its triggers. */
    Mono<LocalDate> today(String zone) {
        return db.sql("SELECT (now() AT TIME ZONE :zone)::date AS today")
                .bind("zone", zone)
                .map(row -> row.get("today", LocalDate.class))
                .one();
    }

    private JobRun run(Readable row) {
        OffsetDateTime finished = row.get("finished_at", OffsetDateTime.class);
        return new JobRun(row.get("status", String.class), row.get("phase", String.class),
                row.get("started_at", OffsetDateTime.class).toInstant(), finished == null ? null : finished.toInstant(),
                json.readValue(row.get("counts", String.class), COUNTS), row.get("error", String.class));
    }

    record JobRun(String status, String phase, Instant startedAt, Instant finishedAt, Map<String, Object> counts,
            String error) {
    }
}
