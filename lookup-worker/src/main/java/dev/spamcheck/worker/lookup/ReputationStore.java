package dev.spamcheck.worker.lookup;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.db.ReputationQueries;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;

/**
 * {@code phone_reputation} (the cache) and {@code lookup_results} (every paid check). Times come
 * from the database clock.
 */
@Repository
class ReputationStore {

    /** A stored answer's columns taken from the one being stored; each statement adds when it is requested. */
    private static final String TAKE_NEW_ANSWER = """
            ON CONFLICT (number_hash) DO UPDATE
               SET number_ciphertext = EXCLUDED.number_ciphertext,
                   outcome = EXCLUDED.outcome,
                   spam_score = EXCLUDED.spam_score,
                   risk = EXCLUDED.risk,
                   sources = EXCLUDED.sources,
                   checked_at = EXCLUDED.checked_at,""";

    private final JdbcClient jdbc;

    ReputationStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Whether the answer of a query's {@code fresh} row is the one the request {@code :requestId}
     * paid for: a request handled again (its worker died before Kafka took its result, or a prewarm
     * entry was held after its result failed) publishes that answer as paid, for the notifier
     * learns of a change from paid answers only. One index probe, in the statement that finds the
     * answer anyway.
     */
    static final String PAID_BY_REQUEST = """
            EXISTS (SELECT 1 FROM lookup_results r
                     WHERE r.number_hash = :hash AND r.checked_at = fresh.checked_at
                       AND r.request_id = :requestId) AS paid_by_request""";

    /** A definitive answer younger than {@code ttl}, if there is one, and whether {@code requestId} paid for it. */
    LookupClaims.Attempt findFresh(String numberHash, String requestId, Duration ttl) {
        return jdbc.sql("WITH fresh AS (" + ReputationQueries.FIND_FRESH + ") SELECT fresh.*, " + PAID_BY_REQUEST
                        + " FROM fresh")
                .param("hash", numberHash)
                .param("requestId", UUID.fromString(requestId))
                .param("ttl", ttl.toMillis() / 1000.0)
                .query((rs, row) -> new LookupClaims.Attempt(Optional.of(answer(rs)), false,
                        rs.getBoolean("paid_by_request")))
                .optional()
                .orElse(LookupClaims.Attempt.NONE);
    }

    /** The answer of a row with the columns of {@link ReputationQueries#FIND_FRESH}, or null when they are null. */
    static StoredAnswer answer(ResultSet rs) throws SQLException {
        String outcome = rs.getString("outcome");
        return outcome == null ? null : new StoredAnswer(
                Outcome.valueOf(outcome.toUpperCase(Locale.ROOT)),
                (Integer) rs.getObject("spam_score", Integer.class),
                rs.getObject("checked_at", OffsetDateTime.class).toInstant(),
                (Integer) rs.getObject("risk", Integer.class),
                SourceVerdict.fromJson(rs.getString("sources")));
    }

    /** Where a number whose claim another lookup holds stands. */
    enum Progress {
        /** Still claimed and without a fresh answer: keep waiting. */
        CLAIMED,
        /** A fresh answer has arrived, or the claim is gone: look again. */
        SETTLED
    }

    /**
     * Whether the number is still being looked up by another, in one query. For an interactive
     * waiter a bulk claim between its calls (backing off, or waiting for rate budget) is settled:
     * it may be taken over ({@link LookupClaims#claimUnlessFresh}), so a caller never waits out
     * bulk work's retries.
     */
    Progress progress(String numberHash, boolean bulkWaiter, Duration ttl) {
        boolean waiting = jdbc.sql("""
                SELECT EXISTS (SELECT 1 FROM lookup_claims
                                WHERE number_hash = :hash AND claimed_until >= clock_timestamp()
                                  AND (:bulkWaiter OR NOT bulk OR calling))
                   AND NOT EXISTS (SELECT 1 FROM phone_reputation
                                    WHERE number_hash = :hash AND checked_at > now() - make_interval(secs => :ttl))
                """)
                .param("hash", numberHash)
                .param("bulkWaiter", bulkWaiter)
                .param("ttl", ttl.toMillis() / 1000.0)
                .query(Boolean.class)
                .single();
        return waiting ? Progress.CLAIMED : Progress.SETTLED;
    }

    /**
     * Records a paid check, makes it the number's cached answer and gives up {@code claimOwner}'s
     * claim of the number ({@link LookupClaims}), in one statement: one round trip fewer on every
     * paid lookup, and no moment when the number is neither claimed nor answered. Only an
     * interactive request counts as the number being requested (for nightly re-checks).
     */
    StoredAnswer save(LookupRequest request, UUID claimOwner, Outcome outcome, Integer spamScore, Integer risk,
            List<SourceVerdict> sources) {
        String outcomeName = outcome.name().toLowerCase(Locale.ROOT);
        Instant checkedAt = jdbc.sql("""
                WITH released AS (
                    DELETE FROM lookup_claims WHERE number_hash = :hash AND owner = :owner
                ), checked AS (
                    INSERT INTO lookup_results (request_id, number_hash, last4, origin, outcome, spam_score, checked_at,
                                                risk, sources)
                    VALUES (:requestId, :hash, :last4, :origin, :outcome, :score, now(), :risk, CAST(:sources AS jsonb))
                    RETURNING checked_at
                )
                INSERT INTO phone_reputation AS p
                       (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at, last_requested_at,
                        risk, sources)
                SELECT :hash, :ciphertext, :last4, :outcome, :score, checked_at,
                       CASE WHEN :origin = 'interactive' THEN now() END, :risk, CAST(:sources AS jsonb) FROM checked
                """ + TAKE_NEW_ANSWER + """
                       last_requested_at = coalesce(EXCLUDED.last_requested_at, p.last_requested_at)
                RETURNING checked_at
                """)
                .param("requestId", UUID.fromString(request.requestId()))
                .param("hash", request.numberHash())
                .param("owner", claimOwner)
                .param("ciphertext", request.numberCiphertext())
                .param("last4", request.last4())
                .param("origin", request.origin().name().toLowerCase(Locale.ROOT))
                .param("outcome", outcomeName)
                .param("score", spamScore == null ? null : spamScore.shortValue(), java.sql.Types.SMALLINT)
                .param("risk", risk == null ? null : risk.shortValue(), java.sql.Types.SMALLINT)
                .param("sources", SourceVerdict.toJson(sources), java.sql.Types.VARCHAR)
                .query((rs, row) -> rs.getObject("checked_at", OffsetDateTime.class).toInstant())
                .single();
        return new StoredAnswer(outcome, spamScore, checkedAt, risk, sources);
    }

    /**
     * Stores an answer already published, as it was published (its own check time), for one that
     * PostgreSQL could not take when it came. Its paid check is recorded once however often this is
     * tried (a try whose commit the worker did not hear of may have recorded it), and a newer answer
     * stored meanwhile is left alone.
     */
    void keep(LookupRequest request, LookupResult result) {
        jdbc.sql("""
                WITH checked AS (
                    INSERT INTO lookup_results (request_id, number_hash, last4, origin, outcome, spam_score, checked_at,
                                                risk, sources)
                    SELECT :requestId, :hash, :last4, :origin, :outcome, :score, :checkedAt, :risk, CAST(:sources AS jsonb)
                     WHERE NOT EXISTS (SELECT 1 FROM lookup_results WHERE number_hash = :hash AND request_id = :requestId)
                )
                INSERT INTO phone_reputation AS p
                       (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at, last_requested_at,
                        risk, sources)
                VALUES (:hash, :ciphertext, :last4, :outcome, :score, :checkedAt,
                        CASE WHEN :origin = 'interactive' THEN CAST(:checkedAt AS timestamptz) END, :risk,
                        CAST(:sources AS jsonb))
                """ + TAKE_NEW_ANSWER + """
                       last_requested_at = greatest(p.last_requested_at, EXCLUDED.last_requested_at)
                 WHERE p.checked_at < EXCLUDED.checked_at""")
                .param("requestId", UUID.fromString(request.requestId()))
                .param("hash", request.numberHash())
                .param("ciphertext", result.numberCiphertext())
                .param("last4", request.last4())
                .param("origin", request.origin().name().toLowerCase(Locale.ROOT))
                .param("outcome", result.outcome().name().toLowerCase(Locale.ROOT))
                .param("score", result.spamScore() == null ? null : result.spamScore().shortValue(),
                        java.sql.Types.SMALLINT)
                .param("checkedAt", OffsetDateTime.ofInstant(result.checkedAt(), ZoneOffset.UTC))
                .param("risk", result.risk() == null ? null : result.risk().shortValue(), java.sql.Types.SMALLINT)
                .param("sources", SourceVerdict.toJson(result.sources()), java.sql.Types.VARCHAR)
                .update();
    }

    record StoredAnswer(Outcome outcome, Integer spamScore, Instant checkedAt, Integer risk,
            List<SourceVerdict> sources) {
    }
}
