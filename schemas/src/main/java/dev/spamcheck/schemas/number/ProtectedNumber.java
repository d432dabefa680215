package dev.spamcheck.schemas.number;

/**
 * A phone number in the only forms it may rest in: a keyed hash to find it, ciphertext to recover
 * it for re-checks, and the last four digits to show it.
 */
public record ProtectedNumber(String hash, String ciphertext, String last4) {

    /** The form used in log lines. */
    public String masked() {
        return NumberProtection.MASK_PREFIX + last4;
    }
}
