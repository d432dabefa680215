package dev.spamcheck.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;
import java.util.Set;

/**
 * The devstack's own secrets, generated on first start and kept in
 * {@code <home>/dev-keys.properties}, readable by its owner only, so the database stays readable
 * across restarts. Never used outside the devstack.
 */
record DevKeys(String hashKey, String encryptionKeys) {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    static DevKeys loadOrCreate(Path home) throws IOException {
        Path file = home.resolve("dev-keys.properties");
        Properties properties = new Properties();
        if (Files.exists(file)) {
            ownerOnly(file);
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
        }
        else {
            properties.setProperty("hash-key", randomKey());
            properties.setProperty("encryption-keys", "dev1:" + randomKey());
            Files.createDirectories(home);
            // Created with the owner-only mode, so the keys are never readable by others, not even briefly.
            if (posix(home)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            try (Writer writer = Files.newBufferedWriter(file)) {
                properties.store(writer, "spamcheck devstack secrets: for this machine's devstack only");
            }
        }
        return new DevKeys(properties.getProperty("hash-key"), properties.getProperty("encryption-keys"));
    }

    /** Tightens a file an older devstack wrote with the default mode. */
    private static void ownerOnly(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
