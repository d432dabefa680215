package dev.spamcheck.schemas.db;

/**
 * Queries of {@code phone_reputation} that more than one service runs, so that they mean the same
 * everywhere: the one definition of a cache hit, shared by the gateway (R2DBC) and lookup-worker
 * (JDBC) so both judge freshness alike, by the database clock.
 */
public final class ReputationQueries {

    /**
     * Columns {@code outcome}, {@code spam_score}, {@code checked_at}, {@code risk} and
     * {@code sources} (JSON text, an array of {@code SourceVerdict}) of a fresh answer, if any.
     * Named parameters: {@code :hash} (the number hash) and {@code :ttl} (the cache TTL in seconds).
     */
    public static final String FIND_FRESH = """
            SELECT outcome, spam_score, checked_at, risk, sources::text AS sources
              FROM phone_reputation
             WHERE number_hash = :hash
               AND checked_at > now() - make_interval(secs => :ttl)
            """;

    private ReputationQueries() {
    }
}
