package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.db.ReputationQueries;
import dev.spamcheck.worker.lookup.ReputationStore.StoredAnswer;
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

    /**
     * What {@link #claimUnlessFresh} found: the number's fresh answer and whether the request paid
     * for it itself, or whether {@code owner} now holds the number.
     */
    record Attempt(Optional<StoredAnswer> fresh, boolean claimed, boolean paidByRequest) {

        /** Neither a fresh answer nor a claim. */
        static final Attempt NONE = new Attempt(Optional.empty(), false, false);
    }

    /**
     * The number's fresh answer if it has one; otherwise claims it for {@code owner} for
     * {@code lease}, if nobody else holds it. One statement, so a paid lookup starts with one
     * round trip, and no answer can be stored between the check and the claim. An answer being
     * committed while this statement begins is the one case it misses ({@link ReputationStore#save}
     * gives the claim up as it stores): it claims a number that was just answered, and pays again.
     */
    Attempt claimUnlessFresh(String numberHash, String requestId, UUID owner, boolean bulk, Duration lease,
            Duration ttl) {
        return jdbc.sql("WITH fresh AS (" + ReputationQueries.FIND_FRESH + """
                ), claimed AS (
                    INSERT INTO lookup_claims AS c (number_hash, owner, bulk, calling, claimed_until)
                    SELECT :hash, :owner, :bulk, false, clock_timestamp() + make_interval(secs => :lease)
                     WHERE NOT EXISTS (SELECT 1 FROM fresh)
                    ON CONFLICT (number_hash) DO UPDATE
                       SET owner = EXCLUDED.owner, bulk = EXCLUDED.bulk, calling = false,
                           claimed_until = EXCLUDED.claimed_until
                     WHERE c.claimed_until < clock_timestamp()
                        OR (NOT EXCLUDED.bulk AND c.bulk AND NOT c.calling)
                    RETURNING 1
                )
                SELECT fresh.*, EXISTS (SELECT 1 FROM claimed) AS claimed,
                """ + ReputationStore.PAID_BY_REQUEST + " FROM (VALUES (1)) AS one (x) LEFT JOIN fresh ON true")
                .param("hash", numberHash)
                .param("requestId", UUID.fromString(requestId))
                .param("ttl", ttl.toMillis() / 1000.0)
                .param("owner", owner)
                .param("bulk", bulk)
                .param("lease", lease.toMillis() / 1000.0)
                .query((rs, row) -> new Attempt(Optional.ofNullable(ReputationStore.answer(rs)),
                        rs.getBoolean("claimed"), rs.getBoolean("paid_by_request")))
                .single();
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
