package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import dev.spamcheck.worker.twilio.CallGuard;

/**
 * {@code lookup_claims}: at most one lookup of a number at a time, whichever topic, gateway or
 * worker its requests came from. A claim has an owner, and only its owner releases it; it lapses
 * by itself if its owner dies. A bulk claim whose owner is not calling Twilio right now (it is
 * waiting for rate budget, or between retries) is taken over by an interactive lookup, so bulk
 * work never makes a caller wait; the bulk owner learns it when it is about to call.
 */
@Repository
class LookupClaims {

    private final JdbcTemplate jdbc;

    LookupClaims(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** True when {@code owner} now holds the number for {@code lease}. */
    boolean tryClaim(String numberHash, UUID owner, boolean bulk, Duration lease) {
        return !jdbc.queryForList("""
                INSERT INTO lookup_claims AS c (number_hash, owner, bulk, calling, claimed_until)
                VALUES (?, ?, ?, false, clock_timestamp() + make_interval(secs => ?))
                ON CONFLICT (number_hash) DO UPDATE
                   SET owner = EXCLUDED.owner, bulk = EXCLUDED.bulk, calling = false,
                       claimed_until = EXCLUDED.claimed_until
                 WHERE c.claimed_until < clock_timestamp()
                    OR (NOT EXCLUDED.bulk AND c.bulk AND NOT c.calling)
                RETURNING 1""", Integer.class, numberHash, owner, bulk, lease.toMillis() / 1000.0).isEmpty();
    }

    boolean isClaimed(String numberHash) {
        return !jdbc.queryForList("SELECT 1 FROM lookup_claims WHERE number_hash = ? AND claimed_until >= clock_timestamp()",
                Integer.class, numberHash).isEmpty();
    }

    void release(String numberHash, UUID owner) {
        jdbc.update("DELETE FROM lookup_claims WHERE number_hash = ? AND owner = ?", numberHash, owner);
    }

    /** The guard of a bulk claim: a call may start only while the claim is still its owner's. */
    CallGuard guard(String numberHash, UUID owner) {
        return new CallGuard() {
            @Override
            public boolean beginCall() {
                return jdbc.update("""
                        UPDATE lookup_claims SET calling = true
                         WHERE number_hash = ? AND owner = ? AND claimed_until >= clock_timestamp()""",
                        numberHash, owner) == 1;
            }

            @Override
            public void endCall() {
                jdbc.update("UPDATE lookup_claims SET calling = false WHERE number_hash = ? AND owner = ?", numberHash,
                        owner);
            }
        };
    }
}
