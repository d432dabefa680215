package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
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

    private final JdbcClient jdbc;

    LookupClaims(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** True when {@code owner} now holds the number for {@code lease}. */
    boolean tryClaim(String numberHash, UUID owner, boolean bulk, Duration lease) {
        return jdbc.sql("""
                INSERT INTO lookup_claims AS c (number_hash, owner, bulk, calling, claimed_until)
                VALUES (?, ?, ?, false, clock_timestamp() + make_interval(secs => ?))
                ON CONFLICT (number_hash) DO UPDATE
                   SET owner = EXCLUDED.owner, bulk = EXCLUDED.bulk, calling = false,
                       claimed_until = EXCLUDED.claimed_until
                 WHERE c.claimed_until < clock_timestamp()
                    OR (NOT EXCLUDED.bulk AND c.bulk AND NOT c.calling)
                RETURNING 1""")
                .params(numberHash, owner, bulk, lease.toMillis() / 1000.0)
                .query(Integer.class)
                .optional()
                .isPresent();
    }

    void release(String numberHash, UUID owner) {
        jdbc.sql("DELETE FROM lookup_claims WHERE number_hash = ? AND owner = ?").params(numberHash, owner).update();
    }

    /** The guard of a bulk claim: a call may start only while the claim is still its owner's. */
    CallGuard guard(String numberHash, UUID owner) {
        return new CallGuard() {
            @Override
            public boolean beginCall() {
                return jdbc.sql("""
                        UPDATE lookup_claims SET calling = true
                         WHERE number_hash = ? AND owner = ? AND claimed_until >= clock_timestamp()""")
                        .params(numberHash, owner)
                        .update() == 1;
            }

            @Override
            public void endCall() {
                jdbc.sql("UPDATE lookup_claims SET calling = false WHERE number_hash = ? AND owner = ?")
                        .params(numberHash, owner)
                        .update();
            }
        };
    }
}
