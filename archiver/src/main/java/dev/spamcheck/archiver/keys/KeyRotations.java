package dev.spamcheck.archiver.keys;

import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import tools.jackson.databind.json.JsonMapper;

/** {@code key_rotations}: one row per rotation, with its status and counts. */
@Repository
class KeyRotations {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;

    KeyRotations(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the rotation as running, again if an earlier attempt failed. */
    void start(UUID id, String requestedBy, String activeKey) {
        jdbc.update("""
                INSERT INTO key_rotations (id, requested_by, active_key, status) VALUES (?, ?, ?, 'running')
                ON CONFLICT (id) DO UPDATE SET status = 'running', active_key = EXCLUDED.active_key""",
                id, requestedBy, activeKey);
    }

    void complete(UUID id, Map<String, Object> counts) {
        jdbc.update("""
                UPDATE key_rotations SET status = 'completed', counts = ?::jsonb, finished_at = now(), error = NULL
                 WHERE id = ?""", JSON.writeValueAsString(counts), id);
    }

    void fail(UUID id, String error) {
        jdbc.update("UPDATE key_rotations SET status = 'failed', error = ? WHERE id = ?", error, id);
    }
}
