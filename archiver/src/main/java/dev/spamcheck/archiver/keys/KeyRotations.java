package dev.spamcheck.archiver.keys;

import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.topic.MessageCodec;

/** {@code key_rotations}: one row per rotation, with its status and counts. */
@Repository
class KeyRotations {

    private final JdbcClient jdbc;

    KeyRotations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the rotation as running, again if an earlier attempt failed. */
    void start(UUID id, String requestedBy, String activeKey) {
        jdbc.sql("""
                INSERT INTO key_rotations (id, requested_by, active_key, status) VALUES (?, ?, ?, 'running')
                ON CONFLICT (id) DO UPDATE SET status = 'running', active_key = EXCLUDED.active_key""")
                .params(id, requestedBy, activeKey)
                .update();
    }

    /** Whether the rotation of this id has ended, complete or not (its trigger may be delivered again after that). */
    boolean ended(UUID id) {
        return jdbc.sql("SELECT count(*) FROM key_rotations WHERE id = ? AND status IN ('completed', 'incomplete')")
                .param(id).query(Long.class).single() > 0;
    }

    /**
     * @param complete whether every ciphertext is under the active key now: otherwise recorded
     *        {@code incomplete}, as the old key may not be removed yet
     */
    void end(UUID id, Map<String, Object> counts, boolean complete) {
        jdbc.sql("""
                UPDATE key_rotations SET status = ?, counts = ?::jsonb, finished_at = now(), error = NULL
                 WHERE id = ?""")
                .params(complete ? "completed" : "incomplete", MessageCodec.mapper().writeValueAsString(counts), id)
                .update();
    }

    void fail(UUID id, String error) {
        jdbc.sql("UPDATE key_rotations SET status = 'failed', error = ? WHERE id = ?").params(error, id).update();
    }
}
