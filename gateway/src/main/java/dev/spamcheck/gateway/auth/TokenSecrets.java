package dev.spamcheck.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Token material. A token is {@code sct_} and 256 random bits (base64url); only its SHA-256 is
 * stored. The prefix lets secret scanners and the query-string check recognise tokens.
 */
public final class TokenSecrets {

    public static final String PREFIX = "sct_";
    /** What a request may present; anything else is refused before any lookup. */
    static final Pattern WELL_FORMED = Pattern.compile(PREFIX + "[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * One digest per thread: every request hashes its token, and looking the algorithm up among
     * the providers each time cost several times the hash itself (JFR of the hit path).
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TokenSecrets::newSha256);

    private TokenSecrets() {
    }

    public static String newToken() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Refuses a chosen token (the devstack's fixed ones) that no request could ever present. */
    static void requireWellFormed(String token) {
        if (token == null || !WELL_FORMED.matcher(token).matches()) {
            throw new IllegalArgumentException(
                    "A token is " + PREFIX + " followed by 43 base64url characters (256 random bits)");
        }
    }

    public static String newId() {
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        return "tok_" + HexFormat.of().formatHex(id);
    }

    public static byte[] sha256(String token) {
        // digest resets the digest for its thread's next token.
        return SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    /** Compares in time independent of where the inputs differ. */
    public static boolean sameHash(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
