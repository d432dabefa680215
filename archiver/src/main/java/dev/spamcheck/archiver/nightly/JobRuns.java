package dev.spamcheck.archiver.nightly;

import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.topic.MessageCodec;

/** {@code job_runs}: one row per job date, with its phase and counts. */
@Repository
class JobRuns {

    private final JdbcClient jdbc;

    JobRuns(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The date's run, created in its first phase if it did not exist, running again if it had
     * failed (the reason of the failure stays until it completes).
     */
    JobRun startOrResume(LocalDate date, String requestedBy) {
        jdbc.sql("""
                INSERT INTO job_runs (id, job_date, status, phase, requested_by)
                VALUES (?, ?, 'running', ?, ?)
                ON CONFLICT (job_date) DO UPDATE SET status = 'running' WHERE job_runs.status = 'failed'""")
                .params(UUID.randomUUID(), date, Phase.RECHECK.value(), requestedBy)
                .update();
        return jdbc.sql("SELECT status, phase, counts::text FROM job_runs WHERE job_date = ?")
                .param(date)
                .query((rs, row) -> new JobRun(date, rs.getString("status"), Phase.of(rs.getString("phase")),
                        counts(rs.getString("counts"))))
                .single();
    }

    /** Whether a job for the date has started, whatever became of it. */
    boolean started(LocalDate date) {
        return jdbc.sql("SELECT count(*) FROM job_runs WHERE job_date = ?").param(date).query(Long.class).single() > 0;
    }

    boolean completed(LocalDate date) {
        return jdbc.sql("SELECT count(*) FROM job_runs WHERE job_date = ? AND status = 'completed'").param(date)
                .query(Long.class).single() > 0;
    }

    void progress(LocalDate date, Phase phase, Map<String, Object> counts) {
        jdbc.sql("UPDATE job_runs SET phase = ?, counts = ?::jsonb, status = 'running' WHERE job_date = ?")
                .params(phase.value(), MessageCodec.mapper().writeValueAsString(counts), date)
                .update();
    }

    void complete(LocalDate date, Map<String, Object> counts) {
        jdbc.sql("""
                UPDATE job_runs SET phase = ?, counts = ?::jsonb, status = 'completed', finished_at = now(), error = NULL
                 WHERE job_date = ?""")
                .params(Phase.DONE.value(), MessageCodec.mapper().writeValueAsString(counts), date)
                .update();
    }

    /** Records the failure, unless the run has completed: one that lost its lock may fail after another archiver finished it. */
    void fail(LocalDate date, String error) {
        jdbc.sql("UPDATE job_runs SET status = 'failed', error = ? WHERE job_date = ? AND status <> 'completed'")
                .params(error, date).update();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(String json) {
        return new java.util.LinkedHashMap<>(MessageCodec.mapper().readValue(json, Map.class));
    }

    record JobRun(LocalDate date, String status, Phase phase, Map<String, Object> counts) {

        boolean completed() {
            return "completed".equals(status);
        }
    }

    /** The job's steps, in order; a resumed job starts at the phase it had reached. */
    enum Phase {
        RECHECK, ARCHIVE, PURGE, DONE;

        String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Phase of(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
