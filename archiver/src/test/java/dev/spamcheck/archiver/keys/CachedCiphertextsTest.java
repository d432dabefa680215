package dev.spamcheck.archiver.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;

/**
 * Counting the cached numbers per key over a real PostgreSQL stores the count for
 * {@code GET /api/v1/admin/keys}, which must not count the whole cache itself.
 */
class CachedCiphertextsTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String KEY_B = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";

    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final CachedCiphertexts ciphertexts = new CachedCiphertexts(jdbc);
    private final NumberProtection keyA = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final NumberProtection keyB = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);

    @BeforeEach
    void emptyTables() {
        jdbc.sql("DELETE FROM phone_reputation").update();
        jdbc.sql("DELETE FROM number_ciphertext_counts").update();
    }

    @Test
    void eachCountIsStoredWithTheTimeOfItsSnapshot() {
        cache(keyA.protect("+12125550101"));
        cache(keyA.protect("+12125550102"));
        cache(keyB.protect("+12125550103"));

        assertThat(ciphertexts.countByKey()).containsExactly(Map.entry("a", 2L), Map.entry("b", 1L));
        assertThat(stored()).isEqualTo("{\"a\": 2, \"b\": 1}");
        assertThat(jdbc.sql("SELECT counted_at > now() - interval '1 minute' FROM number_ciphertext_counts")
                .query(Boolean.class).single()).isTrue();

        jdbc.sql("DELETE FROM phone_reputation WHERE split_part(number_ciphertext, '.', 2) = 'a'").update();
        ciphertexts.countByKey();
        assertThat(stored()).isEqualTo("{\"b\": 1}");
        assertThat(jdbc.sql("SELECT count(*) FROM number_ciphertext_counts").query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void anEmptyCacheIsCountedAsNoNumbersUnderAnyKey() {
        assertThat(ciphertexts.countByKey()).isEmpty();
        assertThat(stored()).isEqualTo("{}");
    }

    @Test
    void aCountThatBeganBeforeTheStoredOneDoesNotReplaceIt() {
        // As if another archiver's count, begun later, had already been stored.
        jdbc.sql("INSERT INTO number_ciphertext_counts (counts, counted_at) VALUES ('{\"b\": 7}', now() + interval '1 minute')")
                .update();
        cache(keyA.protect("+12125550101"));

        assertThat(ciphertexts.countByKey()).containsExactly(Map.entry("a", 1L));
        assertThat(stored()).isEqualTo("{\"b\": 7}");
    }

    private String stored() {
        return jdbc.sql("SELECT counts::text FROM number_ciphertext_counts").query(String.class).single();
    }

    private void cache(ProtectedNumber number) {
        jdbc.sql("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at)
                VALUES (?, ?, ?, 'scored', 0, now())""").params(number.hash(), number.ciphertext(), number.last4())
                .update();
    }
}
