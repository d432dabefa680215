package dev.spamcheck.archiver.keys;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.archiver.Failures;
import dev.spamcheck.archiver.MaintenanceLifecycle;
import dev.spamcheck.archiver.SessionLocks;
import dev.spamcheck.archiver.keys.CachedCiphertexts.Row;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;

/**
 * Moves every number ciphertext spamcheck keeps to the active encryption key (the first of
 * {@code SPAMCHECK_ENCRYPTION_KEYS}): the rows of {@code phone_reputation}, in batches, then the
 * live records of the results topic, then the webhooks' signing secrets and the numbers of pending
 * deliveries. Nothing else holds a ciphertext for long: lookup requests are answered or expire
 * within the retention of their topics, and reputation changes are queued for delivery as they
 * come (see docs/operations.md). Safe to repeat and to
 * interrupt: each run moves only what is not under the active key yet.
 */
@Component
public class KeyRotation {

    private static final Logger log = LoggerFactory.getLogger(KeyRotation.class);


    private final DataSource dataSource;
    private final CachedCiphertexts ciphertexts;
    private final LiveResultRecords records;
    private final WebhookCiphertexts webhooks;
    private final KeyRotations rotations;
    private final CiphertextMetrics metrics;
    private final NumberProtection protection;
    private final ArchiverProperties properties;
    private final MaintenanceLifecycle lifecycle;

    KeyRotation(DataSource dataSource, CachedCiphertexts ciphertexts, LiveResultRecords records, WebhookCiphertexts webhooks,
            KeyRotations rotations,
            CiphertextMetrics metrics, NumberProtection protection, ArchiverProperties properties,
            MaintenanceLifecycle lifecycle) {
        this.lifecycle = lifecycle;
        this.dataSource = dataSource;
        this.ciphertexts = ciphertexts;
        this.records = records;
        this.webhooks = webhooks;
        this.rotations = rotations;
        this.metrics = metrics;
        this.protection = protection;
        this.properties = properties;
    }

    /**
     * @param rowsReencrypted rows of phone_reputation moved to the active key
     * @param rowsUnreadable rows under a key no longer configured: no rotation can move them
     * @param recordsRepublished live records of the results topic moved to the active key
     * @param recordsUnreadable live records under a key no longer configured
     * @param webhookCiphertextsReencrypted webhook signing secrets and pending deliveries' numbers moved
     * @param webhookCiphertextsUnreadable those under a key no longer configured
     * @param webhookCiphertextsLeft webhook ciphertexts under another key after the rotation: those
     *        unreadable, and those a gateway wrote meanwhile under the key it still puts first
     * @param rowsByKey rows of phone_reputation per key id, after the rotation
     */
    public record Report(String activeKey, long rowsReencrypted, long rowsUnreadable, long recordsRepublished,
            long recordsUnreadable, long webhookCiphertextsReencrypted, long webhookCiphertextsUnreadable,
            long webhookCiphertextsLeft, Map<String, Long> rowsByKey) {

        /** Whether every ciphertext is under the active key now, so every other key can be removed. */
        public boolean complete() {
            return rowsByKey.keySet().stream().allMatch(activeKey::equals) && recordsUnreadable == 0
                    && webhookCiphertextsLeft == 0;
        }

        /** Whether every ciphertext left under another key is under one still configured: running again moves it. */
        public boolean allReadable() {
            return rowsUnreadable == 0 && recordsUnreadable == 0 && webhookCiphertextsUnreadable == 0;
        }

        Map<String, Object> counts() {
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("rows_reencrypted", rowsReencrypted);
            counts.put("rows_unreadable", rowsUnreadable);
            counts.put("records_republished", recordsRepublished);
            counts.put("records_unreadable", recordsUnreadable);
            counts.put("webhook_ciphertexts_reencrypted", webhookCiphertextsReencrypted);
            counts.put("webhook_ciphertexts_unreadable", webhookCiphertextsUnreadable);
            counts.put("webhook_ciphertexts_left", webhookCiphertextsLeft);
            return counts;
        }

        @Override
        public String toString() {
            return "active key " + activeKey + ": " + rowsReencrypted + " cached numbers re-encrypted ("
                    + rowsUnreadable + " unreadable), " + recordsRepublished + " results republished ("
                    + recordsUnreadable + " unreadable), " + webhookCiphertextsReencrypted
                    + " webhook ciphertexts re-encrypted (" + webhookCiphertextsUnreadable
                    + " unreadable, " + webhookCiphertextsLeft + " under another key now); cached numbers per key now "
                    + rowsByKey;
        }
    }

    /**
     * Runs the rotation a trigger asks for, recorded in {@code key_rotations} under the trigger's
     * id. One at a time across archivers (a session advisory lock): a rotation that outlasts its
     * trigger consumer's poll interval has its trigger handed to another archiver, which must not
     * republish the results topic a second time alongside; it meets the lock and its trigger is
     * delivered again later. Empty when this trigger's rotation has ended already, complete or not (its archiver
     * lost the trigger before it could commit it, and it came here again).
     */
    public Optional<Report> run(MaintenanceTrigger trigger) throws SQLException {
        Connection lock = dataSource.getConnection();
        boolean locked = false;
        try {
            locked = SessionLocks.tryLock(lock, SessionLocks.KEY_ROTATION);
            if (!locked) {
                log.info("A key rotation or a nightly purge is running; key rotation trigger {} waits for it",
                        trigger.triggerId());
                throw new RunningElsewhere();
            }
            if (rotations.ended(UUID.fromString(trigger.triggerId()))) {
                log.info("Key rotation {} has ended already; its trigger is done", trigger.triggerId());
                return Optional.empty();
            }
            return Optional.of(runLocked(trigger, lock));
        }
        finally {
            SessionLocks.release(lock, SessionLocks.KEY_ROTATION, locked);
        }
    }

    private Report runLocked(MaintenanceTrigger trigger, Connection lock) {
        UUID id = UUID.fromString(trigger.triggerId());
        rotations.start(id, trigger.requestedBy(), protection.activeKeyId());
        try {
            Report report = rotate(() -> {
                lifecycle.checkNotStopping();
                // The lock goes with its session: one ended (a fail-over, a dropped idle connection)
                // lets a purge run, whose tombstones this rotation's republishing could overtake.
                SessionLocks.requireSession(lock);
            });
            rotations.end(id, report.counts(), report.complete());
            if (!report.complete()) {
                // Recorded as incomplete, not failed: running this trigger again cannot move what no
                // key reads, and what a service wrote under the old key meanwhile needs that service
                // rolled out first. Said in the log as well, where an operator looks.
                log.warn("Key rotation {} moved all it could, but ciphertexts remain under another key than {}{}: "
                        + "those under a configured key were written meanwhile by a service not yet putting {} first, "
                        + "roll that out and rotate again; do not remove the old key yet (docs/operations.md, "
                        + "Rotating the encryption keys)", id, report.activeKey(),
                        report.allReadable() ? "" : ", some under a key no longer configured (they cannot be moved)",
                        report.activeKey());
            }
            return report;
        }
        catch (MaintenanceLifecycle.Stopped ex) {
            log.warn("Key rotation {} stopped between batches; it resumes when the trigger is redelivered", id);
            throw ex;
        }
        catch (RuntimeException ex) {
            String reason = Failures.reason(ex);
            log.error("Key rotation {} failed: {}; it is retried", id, reason);
            rotations.fail(id, reason);
            throw ex;
        }
    }

    /** @param stopCheck throws when the rotation must stop: the archiver stopping, or its lock lost */
    private Report rotate(Runnable stopCheck) {
        String active = protection.activeKeyId();
        log.info("Key rotation to key {} starting", active);
        long reencrypted = 0;
        long unreadable = 0;
        int batchSize = properties.archive().batchSize();
        for (int slice = 0; slice < CachedCiphertexts.SLICES; slice++) {
            String after = CachedCiphertexts.sliceStart(slice);
            List<Row> batch;
            do {
                stopCheck.run();
                batch = ciphertexts.notUnder(active, after, slice, batchSize);
                List<Row> readable = new ArrayList<>(batch.size());
                List<String> replacements = new ArrayList<>(batch.size());
                for (Row row : batch) {
                    try {
                        replacements.add(protection.reencrypt(row.ciphertext(), row.numberHash()));
                        readable.add(row);
                    }
                    catch (IllegalArgumentException ex) {
                        unreadable++;
                    }
                }
                if (!readable.isEmpty()) {
                    reencrypted += ciphertexts.replace(readable, replacements);
                }
                if (!batch.isEmpty()) {
                    after = batch.get(batch.size() - 1).numberHash();
                }
            } while (batch.size() == batchSize);
        }
        LiveResultRecords.Moved moved = records.moveToActiveKey(stopCheck);
        WebhookCiphertexts.Moved webhookMoved = webhooks.moveToActiveKey(protection, stopCheck);
        Map<String, Long> rowsByKey = ciphertexts.countByKey();
        long webhookLeft = webhooks.countNotUnder(active);
        metrics.record(rowsByKey);
        Report report = new Report(active, reencrypted, unreadable, moved.republished(), moved.unreadable(),
                webhookMoved.reencrypted(), webhookMoved.unreadable(), webhookLeft, rowsByKey);
        log.info("Key rotation done: {}", report);
        return report;
    }

    /** Another rotation, or a nightly purge, holds the rotation's lock: the trigger is delivered again later. */
    public static final class RunningElsewhere extends RuntimeException {

        RunningElsewhere() {
            super("A key rotation or a nightly purge of numbers is running", null, false, false);
        }
    }
}
