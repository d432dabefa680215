package dev.spamcheck.archiver.keys;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.db.ReputationQueries;

/** The number ciphertexts of {@code phone_reputation}, by the key they were made with. */
@Repository
class CachedCiphertexts {

    private final JdbcClient jdbc;

    CachedCiphertexts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Up to {@code limit} rows after {@code afterHash} (in hash order) whose ciphertext is not under {@code keyId}. */
    List<Row> notUnder(String keyId, String afterHash, int limit) {
        return jdbc.sql("SELECT number_hash, number_ciphertext FROM phone_reputation WHERE number_hash > ? AND "
                + ReputationQueries.CIPHERTEXT_KEY_ID + " <> ? ORDER BY number_hash LIMIT ?")
                .params(afterHash, keyId, limit)
                .query((rs, row) -> new Row(rs.getString(1).trim(), rs.getString(2)))
                .list();
    }

    /** Replaces a row's ciphertext unless the row changed meanwhile (a new answer brings its own). */
    boolean replace(Row row, String ciphertext) {
        return jdbc.sql("UPDATE phone_reputation SET number_ciphertext = ? WHERE number_hash = ? AND number_ciphertext = ?")
                .params(ciphertext, row.numberHash(), row.ciphertext())
                .update() == 1;
    }

    /** Rows per key id. */
    Map<String, Long> countByKey() {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.sql(ReputationQueries.NUMBERS_BY_KEY)
                .query(rs -> {
                    counts.put(rs.getString("key_id"), rs.getLong("numbers"));
                });
        return counts;
    }

    record Row(String numberHash, String ciphertext) {
    }
}
