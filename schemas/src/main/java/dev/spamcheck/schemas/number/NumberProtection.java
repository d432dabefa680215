package dev.spamcheck.schemas.number;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * Turns phone numbers into the forms that may rest in the database and on topics.
 * <ul>
 * <li>hash: hex HMAC-SHA256 of the E.164 number under {@code SPAMCHECK_HASH_KEY};</li>
 * <li>ciphertext: {@code v1.<keyId>.<base64url(iv | ciphertext | tag)>}, AES-256-GCM under the
 * first key of {@code SPAMCHECK_ENCRYPTION_KEYS}, with the hash as associated data so a
 * ciphertext cannot be moved to another number's row;</li>
 * <li>last four digits for display and logs.</li>
 * </ul>
 */
public final class NumberProtection {

    static final String MASK_PREFIX = "***";

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final String VERSION = "v1";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey hashKey;
    private final String activeKeyId;
    private final Map<String, SecretKey> encryptionKeys;
    private final SecureRandom random = new SecureRandom();
    /** One keyed Mac per thread: looking up the provider and keying it cost more than the hash. */
    private final ThreadLocal<Mac> hmac = ThreadLocal.withInitial(this::newHmac);

    private NumberProtection(SecretKey hashKey, String activeKeyId, Map<String, SecretKey> encryptionKeys) {
        this.hashKey = hashKey;
        this.activeKeyId = activeKeyId;
        this.encryptionKeys = encryptionKeys;
    }

    /**
     * Builds from the configured secrets.
     *
     * @param hashKeyBase64 at least 32 random bytes, base64
     * @param encryptionKeys {@code id:base64key[,id:base64key...]}, 32-byte keys; the first
     *        encrypts, all decrypt (rotation)
     * @throws InvalidConfigurationException with a one-line reason that never quotes a key
     */
    public static NumberProtection fromSecrets(String hashKeyBase64, String encryptionKeys) {
        if (hashKeyBase64 == null || hashKeyBase64.isBlank()) {
            throw new InvalidConfigurationException("SPAMCHECK_HASH_KEY is not set");
        }
        byte[] hashKeyBytes = decodeBase64(hashKeyBase64.trim(), "SPAMCHECK_HASH_KEY");
        if (hashKeyBytes.length < 32) {
            throw new InvalidConfigurationException("SPAMCHECK_HASH_KEY must decode to at least 32 bytes");
        }
        if (encryptionKeys == null || encryptionKeys.isBlank()) {
            throw new InvalidConfigurationException("SPAMCHECK_ENCRYPTION_KEYS is not set");
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        // -1: an empty entry (",", a trailing comma from a template whose last key is unset) is
        // refused below like any malformed one, not dropped.
        for (String entry : encryptionKeys.split(",", -1)) {
            String[] parts = entry.trim().split(":", 2);
            if (parts.length != 2 || !KEY_ID.matcher(parts[0]).matches()) {
                throw new InvalidConfigurationException(
                        "SPAMCHECK_ENCRYPTION_KEYS must be a comma-separated list of id:base64key (id: letters, digits, _ or -)");
            }
            byte[] key = decodeBase64(parts[1], "SPAMCHECK_ENCRYPTION_KEYS");
            if (key.length != 32) {
                throw new InvalidConfigurationException("SPAMCHECK_ENCRYPTION_KEYS key '" + parts[0] + "' must decode to 32 bytes");
            }
            if (keys.putIfAbsent(parts[0], new SecretKeySpec(key, "AES")) != null) {
                throw new InvalidConfigurationException("SPAMCHECK_ENCRYPTION_KEYS names key '" + parts[0] + "' twice");
            }
        }
        String active = keys.keySet().iterator().next();
        return new NumberProtection(new SecretKeySpec(hashKeyBytes, "HmacSHA256"), active, Map.copyOf(keys));
    }

    /** Protects a number already in canonical E.164 form. */
    public ProtectedNumber protect(String e164) {
        String hash = hash(e164);
        return new ProtectedNumber(hash, encrypt(e164, hash), lastFour(e164));
    }

    /** The id of the key new ciphertexts are made with: the first of {@code SPAMCHECK_ENCRYPTION_KEYS}. */
    public String activeKeyId() {
        return activeKeyId;
    }

    /** The id of the key a ciphertext was made with, or null when it is not a ciphertext of this format. */
    public static String keyIdOf(String ciphertext) {
        String[] parts = ciphertext.split("\\.", 3);
        return parts.length == 3 && VERSION.equals(parts[0]) ? parts[1] : null;
    }

    /**
     * The same number encrypted under the active key; fails like {@link #decrypt} when the
     * ciphertext cannot be read with the configured keys.
     */
    public String reencrypt(String ciphertext, String hash) {
        return encrypt(decrypt(ciphertext, hash), hash);
    }

    public String hash(String e164) {
        // doFinal resets the Mac for its thread's next number.
        return HexFormat.of().formatHex(hmac.get().doFinal(e164.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac newHmac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(hashKey);
            return mac;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
    }

    /** Recovers the number; fails if the ciphertext was altered or belongs to another hash. */
    public String decrypt(String ciphertext, String hash) {
        String[] parts = ciphertext.split("\\.", 3);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("unsupported number ciphertext format");
        }
        SecretKey key = encryptionKeys.get(parts[1]);
        if (key == null) {
            throw new IllegalArgumentException("number ciphertext uses unknown key id '" + parts[1] + "'");
        }
        byte[] sealed = Base64.getUrlDecoder().decode(parts[2]);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
            cipher.updateAAD(hash.getBytes(StandardCharsets.US_ASCII));
            byte[] plain = cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("number ciphertext cannot be decrypted");
        }
    }

    /**
     * Encrypts another secret spamcheck must be able to read back (a webhook's signing secret)
     * the way numbers are, bound to {@code context} (its row's id) as associated data.
     */
    public String seal(String secret, String context) {
        return encrypt(secret, context);
    }

    /** Reads a secret {@link #seal sealed} for this context; fails like {@link #decrypt}. */
    public String open(String sealed, String context) {
        return decrypt(sealed, context);
    }

    public static String lastFour(String e164) {
        return e164.substring(Math.max(0, e164.length() - 4));
    }

    /** The only form of a number allowed in log lines. */
    public static String mask(String e164) {
        return MASK_PREFIX + lastFour(e164);
    }

    private String encrypt(String e164, String hash) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, encryptionKeys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(hash.getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(e164.getBytes(StandardCharsets.UTF_8));
            byte[] out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array();
            return VERSION + "." + activeKeyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("AES-GCM is not available", ex);
        }
    }

    private static byte[] decodeBase64(String value, String name) {
        try {
            return Base64.getDecoder().decode(value.trim());
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidConfigurationException(name + " is not valid base64");
        }
    }
}
