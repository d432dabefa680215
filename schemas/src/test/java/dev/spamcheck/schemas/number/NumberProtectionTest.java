package dev.spamcheck.schemas.number;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

class NumberProtectionTest {

    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String KEY_B = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";

    private final NumberProtection protection = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);

    @Test
    void protectsANumberWithoutKeepingItInPlaintext() {
        ProtectedNumber number = protection.protect("+12125550123");

        assertThat(number.hash()).matches("[0-9a-f]{64}").isEqualTo(protection.hash("+12125550123"));
        assertThat(number.ciphertext()).startsWith("v1.a.").doesNotContain("2125550123");
        assertThat(number.last4()).isEqualTo("0123");
        assertThat(number.masked()).isEqualTo("***0123");
        assertThat(protection.decrypt(number.ciphertext(), number.hash())).isEqualTo("+12125550123");
    }

    @Test
    void encryptsTheSameNumberDifferentlyEachTime() {
        assertThat(protection.protect("+12125550123").ciphertext())
                .isNotEqualTo(protection.protect("+12125550123").ciphertext());
    }

    @Test
    void hashesDependOnTheKey() {
        NumberProtection other = NumberProtection.fromSecrets(KEY_B, "a:" + KEY_A);
        assertThat(other.hash("+12125550123")).isNotEqualTo(protection.hash("+12125550123"));
    }

    @Test
    void aCiphertextCannotBeMovedToAnotherNumbersRow() {
        ProtectedNumber number = protection.protect("+12125550123");
        assertThatThrownBy(() -> protection.decrypt(number.ciphertext(), protection.hash("+12125550124")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotatedKeysStillDecryptOldCiphertexts() {
        String old = protection.protect("+12125550123").ciphertext();
        NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);

        assertThat(rotated.decrypt(old, protection.hash("+12125550123"))).isEqualTo("+12125550123");
        assertThat(rotated.protect("+12125550123").ciphertext()).startsWith("v1.b.");
    }

    @Test
    void reencryptionMovesACiphertextToTheActiveKeySoTheOldOneCanGo() {
        String hash = protection.hash("+12125550123");
        String old = protection.protect("+12125550123").ciphertext();
        NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);
        NumberProtection retired = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B);

        String moved = rotated.reencrypt(old, hash);

        assertThat(NumberProtection.keyIdOf(old)).isEqualTo("a");
        assertThat(NumberProtection.keyIdOf(moved)).isEqualTo(rotated.activeKeyId()).isEqualTo("b");
        assertThat(retired.decrypt(moved, hash)).isEqualTo("+12125550123");
        assertThatThrownBy(() -> retired.reencrypt(old, hash)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key id 'a'");
        assertThat(NumberProtection.keyIdOf("not a ciphertext")).isNull();
    }

    @Test
    void missingOrWeakSecretsAreRefusedWithAReasonThatQuotesNoKey() {
        assertThatThrownBy(() -> NumberProtection.fromSecrets(null, "a:" + KEY_A))
                .hasMessage("SPAMCHECK_HASH_KEY is not set");
        assertThatThrownBy(() -> NumberProtection.fromSecrets(HASH_KEY, ""))
                .hasMessage("SPAMCHECK_ENCRYPTION_KEYS is not set");
        assertThatThrownBy(() -> NumberProtection.fromSecrets("c2hvcnQ=", "a:" + KEY_A))
                .hasMessage("SPAMCHECK_HASH_KEY must decode to at least 32 bytes");
        assertThatThrownBy(() -> NumberProtection.fromSecrets(HASH_KEY, "a:c2hvcnQ="))
                .hasMessageContaining("must decode to 32 bytes").hasMessageNotContaining("c2hvcnQ");
        // A template such as "${NEW},${OLD}" with its keys unset, or its last one.
        for (String keys : new String[] {",", ",,", "a:" + KEY_A + ",", ",a:" + KEY_A}) {
            assertThatThrownBy(() -> NumberProtection.fromSecrets(HASH_KEY, keys)).as(keys.replace(KEY_A, "<key>"))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageStartingWith("SPAMCHECK_ENCRYPTION_KEYS must be a comma-separated list")
                    .hasMessageNotContaining(KEY_A);
        }
    }
}
