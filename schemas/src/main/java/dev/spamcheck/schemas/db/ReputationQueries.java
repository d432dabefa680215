package dev.spamcheck.schemas.db;

/**
 * The one definition of a cache hit, shared by the gateway (R2DBC) and lookup-worker (JDBC) so
 * both judge freshness alike, by the database clock. Named parameters: {@code :hash} (the number
 * hash) and {@code :ttl} (the cache TTL in seconds).
 */
public final class ReputationQueries {

    /** Columns {@code outcome}, {@code spam_score}, {@code checked_at} of a fresh answer, if any. */
    public static final String FIND_FRESH = """
            SELECT outcome, spam_score, checked_at
              FROM phone_reputation
             WHERE number_hash = :hash
               AND checked_at > now() - make_interval(secs => :ttl)
            """;

    private ReputationQueries() {
    }
}
