package dev.spamcheck.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * The devstack's own secrets, generated on first start and kept in
 * {@code <home>/dev-keys.properties} so the database stays readable across restarts. Never used
 * outside the devstack.
 */
record DevKeys(String hashKey, String encryptionKeys) {

    static DevKeys loadOrCreate(Path home) throws IOException {
        Path file = home.resolve("dev-keys.properties");
        Properties properties = new Properties();
        if (Files.exists(file)) {
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
        }
        else {
            properties.setProperty("hash-key", randomKey());
            properties.setProperty("encryption-keys", "dev1:" + randomKey());
            Files.createDirectories(home);
            try (Writer writer = Files.newBufferedWriter(file)) {
                properties.store(writer, "spamcheck devstack secrets: for this machine's devstack only");
            }
        }
        return new DevKeys(properties.getProperty("hash-key"), properties.getProperty("encryption-keys"));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
