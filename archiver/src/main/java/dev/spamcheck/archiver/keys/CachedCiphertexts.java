package dev.spamcheck.archiver.keys;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The number ciphertexts of {@code phone_reputation}, by the key they were made with. */
@Repository
class CachedCiphertexts {

    /**
     * The key id of a row's {@code number_ciphertext}, in SQL: the second field of
     * {@code v1.<keyId>.<data>} (see {@code NumberProtection}).
     */
    private static final String KEY_ID = "split_part(number_ciphertext, '.', 2)";

    private final JdbcClient jdbc;

    CachedCiphertexts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The slices of the hash space a rotation looks through one at a time, by the hashes' first
     * two hex digits. Looking for rows not under a key reads every row of the range it looks in
     * (no index serves the key id): over the whole table, one query of a rotation run again when
     * nearly every row is under the new key would read all of it, and outlast the connection's
     * socket timeout on a large cache; a slice is a 256th of it.
     */
    static final int SLICES = 256;

    /** Where slice {@code slice} (0 to {@link #SLICES} - 1) begins: its hashes sort after this. */
    static String sliceStart(int slice) {
        return slice == 0 ? "" : String.format("%02x", slice);
    }

    /**
     * Up to {@code limit} rows after {@code afterHash} and before the next slice's start (in hash
     * order) whose ciphertext is not under {@code keyId}.
     */
    List<Row> notUnder(String keyId, String afterHash, int slice, int limit) {
        String until = slice + 1 < SLICES ? " AND number_hash < '" + sliceStart(slice + 1) + "'" : "";
        return jdbc.sql("SELECT number_hash, number_ciphertext FROM phone_reputation WHERE number_hash > ?" + until
                + " AND " + KEY_ID + " <> ? ORDER BY number_hash LIMIT ?")
                .params(afterHash, keyId, limit)
                .query((rs, row) -> new Row(rs.getString(1).trim(), rs.getString(2)))
                .list();
    }

    /**
     * Replaces the rows' ciphertexts with the given ones, in one statement, except in a row that
     * changed meanwhile (a new answer brings its own). Returns how many it replaced.
     */
    int replace(List<Row> rows, List<String> ciphertexts) {
        return jdbc.sql("""
                UPDATE phone_reputation p SET number_ciphertext = v.replacement
                  FROM unnest(CAST(? AS char(64)[]), CAST(? AS text[]), CAST(? AS text[])) AS v(hash, old, replacement)
                 WHERE p.number_hash = v.hash AND p.number_ciphertext = v.old""")
                .params(rows.stream().map(Row::numberHash).toArray(String[]::new),
                        rows.stream().map(Row::ciphertext).toArray(String[]::new), ciphertexts.toArray(String[]::new))
                .update();
    }

    /**
     * Rows per key id, counted now and stored in {@code number_ciphertext_counts} for
     * {@code GET /api/v1/admin/keys}, in one statement, so the stored count is this snapshot's and
     * dated by it; a count that began before the stored one leaves it be.
     */
    Map<String, Long> countByKey() {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.sql("""
                WITH by_key AS (SELECT %s AS key_id, count(*) AS numbers FROM phone_reputation GROUP BY 1),
                     stored AS (INSERT INTO number_ciphertext_counts (counts, counted_at)
                                SELECT coalesce(jsonb_object_agg(key_id, numbers), '{}'), now() FROM by_key
                                ON CONFLICT (singleton) DO UPDATE
                                   SET counts = EXCLUDED.counts, counted_at = EXCLUDED.counted_at
                                 WHERE number_ciphertext_counts.counted_at <= EXCLUDED.counted_at)
                SELECT key_id, numbers FROM by_key ORDER BY key_id""".formatted(KEY_ID))
                .query(rs -> {
                    counts.put(rs.getString("key_id"), rs.getLong("numbers"));
                });
        return counts;
    }

    record Row(String numberHash, String ciphertext) {
    }
}
