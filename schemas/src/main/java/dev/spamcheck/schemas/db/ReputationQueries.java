package dev.spamcheck.schemas.db;

/**
 * Queries of {@code phone_reputation} that more than one service runs, so that they mean the same
 * everywhere: the one definition of a cache hit, shared by the gateway (R2DBC) and lookup-worker
 * (JDBC) so both judge freshness alike, by the database clock; and which key each stored number
 * ciphertext is under, read by the gateway's key report and the archiver's rotation.
 */
public final class ReputationQueries {

    /**
     * The key id of a row's {@code number_ciphertext}, in SQL: the second field of
     * {@code v1.<keyId>.<data>} (see {@code NumberProtection}).
     */
    public static final String CIPHERTEXT_KEY_ID = "split_part(number_ciphertext, '.', 2)";

    /** Columns {@code key_id}, {@code numbers}: stored numbers per encryption key, by key id. */
    public static final String NUMBERS_BY_KEY = "SELECT " + CIPHERTEXT_KEY_ID
            + " AS key_id, count(*) AS numbers FROM phone_reputation GROUP BY 1 ORDER BY 1";

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
