package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevKeysTest {

    @Test
    void theKeysFileIsReadableByItsOwnerOnly(@TempDir Path home) throws Exception {
        DevKeys created = DevKeys.loadOrCreate(home);
        Path file = home.resolve("dev-keys.properties");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(DevKeys.loadOrCreate(home)).isEqualTo(created);
    }

    @Test
    void aKeysFileAnOlderDevstackLeftReadableIsTightened(@TempDir Path home) throws Exception {
        DevKeys created = DevKeys.loadOrCreate(home);
        Path file = home.resolve("dev-keys.properties");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(DevKeys.loadOrCreate(home)).isEqualTo(created);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
}
