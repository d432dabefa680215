package dev.spamcheck.archiver.keys;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.archiver.ArchiverApplication;
import dev.spamcheck.archiver.Failures;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;

/**
 * {@code java -jar archiver.jar rotate-keys}: runs a key rotation in this process, with the
 * archiver's configuration, prints its report and exits 0 when every ciphertext is under the
 * active key (2 when some are left under another key, whether still configured or not; 1 when it
 * failed).
 */
public final class RotateKeysCommand {

    private RotateKeysCommand() {
    }

    /** @param args Spring arguments such as {@code --spamcheck.archive.batch-size=500} */
    public static int run(String... args) {
        try (ConfigurableApplicationContext archiver = ArchiverApplication.command(args)) {
            MaintenanceTrigger trigger = new MaintenanceTrigger(UUID.randomUUID().toString(), LocalDate.now(ZoneOffset.UTC),
                    Instant.now(), "command", MaintenanceTrigger.Job.KEY_ROTATION);
            KeyRotation.Report report = archiver.getBean(KeyRotation.class).run(trigger).orElseThrow();
            System.out.println("rotate-keys: " + report);
            if (!report.complete()) {
                System.err.println(report.allReadable()
                        ? "rotate-keys: some ciphertexts were written under another configured key while it ran "
                                + "(a service not yet putting key " + report.activeKey() + " first?); run it again"
                        : "rotate-keys: some ciphertexts use a key that is no longer configured; "
                                + "they cannot be moved to key " + report.activeKey());
                return 2;
            }
            return 0;
        }
        catch (RuntimeException | java.sql.SQLException ex) {
            System.err.println("rotate-keys: " + Failures.reason(ex));
            return 1;
        }
    }
}
