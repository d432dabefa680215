package dev.spamcheck.archiver.nightly;

import java.time.Duration;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The nightly job's statements. Each moves or deletes one bounded batch in a single statement, so
 * no lock is held for long and an interruption between batches loses and duplicates nothing.
 * Ages are measured by the database clock.
 */
@Repository
class MaintenanceQueries {

    private final JdbcClient jdbc;

    MaintenanceQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Clean numbers checked longer ago than {@code olderThan} and requested within {@code activeWithin}. */
    List<Recheck> dueForRecheck(Duration olderThan, Duration activeWithin, int limit) {
        return jdbc.sql("""
                SELECT number_hash, number_ciphertext, last4
                  FROM phone_reputation
                 WHERE outcome = 'scored' AND spam_score = 0
                   AND checked_at < now() - make_interval(secs => ?)
                   AND last_requested_at > now() - make_interval(secs => ?)
                 ORDER BY last_requested_at DESC
                 LIMIT ?""")
                .params(seconds(olderThan), seconds(activeWithin), limit)
                .query((rs, row) -> new Recheck(rs.getString(1).trim(), rs.getString(2), rs.getString(3).trim()))
                .list();
    }

    /** Moves up to {@code batch} results older than {@code age} into history; returns how many. */
    int archiveBatch(Duration age, int batch) {
        return jdbc.sql("""
                WITH moved AS (
                    DELETE FROM lookup_results
                     WHERE id IN (SELECT id FROM lookup_results
                                   WHERE checked_at < now() - make_interval(secs => ?)
                                   ORDER BY checked_at LIMIT ? FOR UPDATE SKIP LOCKED)
                    RETURNING id, request_id, number_hash, last4, origin, outcome, spam_score, checked_at, risk, sources
                ), archived AS (
                    INSERT INTO lookup_history (id, request_id, number_hash, last4, origin, outcome, spam_score, checked_at,
                                                risk, sources)
                    -- No ON CONFLICT: an id already in history (a sequence set back by a restore) fails
                    -- the batch, deleting nothing, rather than dropping the paid check it names.
                    SELECT * FROM moved
                    RETURNING 1
                )
                SELECT count(*) FROM moved""")
                .params(seconds(age), batch)
                .query(Integer.class)
                .single();
    }

    int purgeHistoryBatch(Duration age, int batch) {
        return deleteOlderThan("lookup_history", "id", "checked_at", age, batch);
    }

    int purgeAuditBatch(Duration age, int batch) {
        return deleteOlderThan("audit_log", "request_id", "occurred_at", age, batch);
    }

    /** Deletes up to {@code batch} webhook deliveries finished (delivered or dead) longer ago than {@code age}. */
    int purgeWebhookDeliveriesBatch(Duration age, int batch) {
        return deleteOlderThan("webhook_deliveries", "id", "finished_at", age, batch);
    }

    /**
     * Ends, as dead, the pending deliveries of deleted subscriptions that their deletion did not
     * see: queued by a fan-out that overlapped it (or by a notifier from before deletions were
     * kept), they would otherwise wait for ever, holding the number's ciphertext.
     */
    int endDeliveriesOfDeletedWebhooks() {
        return jdbc.sql("""
                UPDATE webhook_deliveries d
                   SET status = 'dead', finished_at = now(), lease_until = NULL, number_ciphertext = NULL,
                       last_error = 'subscription deleted'
                  FROM webhook_subscriptions s
                 WHERE s.id = d.subscription_id AND s.deleted_at IS NOT NULL AND d.status = 'pending'""")
                .update();
    }

    /**
     * Deletes up to {@code batch} webhook subscriptions deleted longer ago than {@code age} (kept
     * until then as the evidence the audit trail's rows of that age name), with what is left of
     * their delivery log.
     */
    int purgeDeletedWebhooksBatch(Duration age, int batch) {
        return deleteOlderThan("webhook_subscriptions", "id", "deleted_at", age, batch);
    }

    /**
     * Deletes up to {@code batch} API tokens revoked longer ago than {@code age}: nothing can use
     * them, and the audit rows that name them are gone by then too.
     */
    int purgeRevokedTokensBatch(Duration age, int batch) {
        return deleteOlderThan("api_tokens", "id", "revoked_at", age, batch);
    }

    /**
     * Deletes up to {@code batch} lookup claims whose lease ran out longer ago than {@code age}: a
     * worker killed while it held one, or whose release failed, leaves it until the same number is
     * looked up again, its hash outliving the number's purge.
     */
    int purgeLapsedClaimsBatch(Duration age, int batch) {
        // Not deleteOlderThan: a claim, unlike the rows it deletes, can get younger (a worker taking
        // it over renews its lease), so the lapse is checked again on each row deleted.
        return jdbc.sql("""
                DELETE FROM lookup_claims
                 WHERE claimed_until < now() - make_interval(secs => :age)
                   AND number_hash IN (SELECT number_hash FROM lookup_claims
                                        WHERE claimed_until < now() - make_interval(secs => :age) LIMIT :batch)""")
                .param("age", seconds(age))
                .param("batch", batch)
                .update();
    }

    /**
     * Deletes up to {@code batch} rows of {@code table} whose {@code column} is older than
     * {@code age}, by their {@code key}: a short statement, so no lock is held for long. The names
     * are literals of this class, never input.
     */
    private int deleteOlderThan(String table, String key, String column, Duration age, int batch) {
        return jdbc.sql("DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table
                + " WHERE " + column + " < now() - make_interval(secs => ?) LIMIT ?)")
                .params(seconds(age), batch)
                .update();
    }

    /**
     * Deletes the cached answers of up to {@code batch} numbers checked longer ago than
     * {@code age}, oldest first, and returns their hashes. Meant for a transaction that is
     * committed only once their tombstones are on the results topic: until then the deleted rows
     * stay locked, so a fresh answer to one of these numbers waits and lands after its tombstone.
     * Rows another transaction is writing are skipped: they are being answered afresh.
     */
    List<String> deleteExpiredNumbers(Duration age, int batch) {
        return jdbc.sql("""
                DELETE FROM phone_reputation
                 WHERE number_hash IN (
                       SELECT number_hash FROM phone_reputation
                        WHERE checked_at < now() - make_interval(secs => ?)
                        ORDER BY checked_at LIMIT ? FOR UPDATE SKIP LOCKED)
                   AND checked_at < now() - make_interval(secs => ?)
                RETURNING number_hash""")
                .params(seconds(age), batch, seconds(age))
                .query((rs, row) -> rs.getString(1).trim())
                .list();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    record Recheck(String numberHash, String numberCiphertext, String last4) {
    }
}
