package dev.spamcheck.worker.lookup;

import java.time.Duration;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * {@code lookup_claims}: at most one worker looks a number up at a time, whichever topic,
 * gateway or worker its requests came from. A claim lapses by itself if its holder dies.
 */
@Repository
class LookupClaims {

    private final JdbcTemplate jdbc;

    LookupClaims(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** True when this caller now holds the number for {@code lease}. */
    boolean tryClaim(String numberHash, Duration lease) {
        return !jdbc.queryForList("""
                INSERT INTO lookup_claims AS c (number_hash, claimed_until)
                VALUES (?, clock_timestamp() + make_interval(secs => ?))
                ON CONFLICT (number_hash) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
                 WHERE c.claimed_until < clock_timestamp()
                RETURNING 1""", Integer.class, numberHash, lease.toMillis() / 1000.0).isEmpty();
    }

    boolean isClaimed(String numberHash) {
        return !jdbc.queryForList("SELECT 1 FROM lookup_claims WHERE number_hash = ? AND claimed_until >= clock_timestamp()",
                Integer.class, numberHash).isEmpty();
    }

    void release(String numberHash) {
        jdbc.update("DELETE FROM lookup_claims WHERE number_hash = ?", numberHash);
    }
}
