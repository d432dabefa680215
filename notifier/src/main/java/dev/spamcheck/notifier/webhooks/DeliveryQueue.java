package dev.spamcheck.notifier.webhooks;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.topic.ReputationChange;

/**
 * {@code webhook_deliveries}: one row per change and subscription, claimed for an attempt under a
 * lease so several notifiers share the sending and a dead notifier's attempts are taken over.
 */
@Repository
class DeliveryQueue {

    private final JdbcClient jdbc;

    DeliveryQueue(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Queues the change for every subscription that wants it; a change read again (Kafka's
     * at-least-once) is queued once. Only a subscription that asked for the full number keeps its
     * ciphertext with the delivery. Returns how many deliveries were added.
     */
    int enqueue(ReputationChange change, Instant occurredAt) {
        String type = change.type() == ReputationChange.Type.FLAGGED ? "number.flagged" : "number.cleared";
        return jdbc.sql("""
                INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, occurred_at, number_hash,
                       number_last4, number_ciphertext, campaign_id, previous_score, spam_score, checked_at)
                SELECT s.id, :eventId, :type, :occurredAt, :hash, :last4,
                       CASE WHEN s.include_phone_number THEN :ciphertext END, :campaign, :previous, :score, :checkedAt
                  FROM webhook_subscriptions s
                 WHERE CAST(:type AS text) = ANY (s.events) AND s.deleted_at IS NULL
                   AND (s.campaign_id IS NULL OR s.campaign_id = :campaign)
                ON CONFLICT (subscription_id, event_id) DO NOTHING""")
                .param("eventId", change.id())
                .param("type", type)
                .param("occurredAt", Timestamp.from(occurredAt))
                .param("hash", change.numberHash())
                .param("last4", change.numberLast4())
                .param("ciphertext", change.numberCiphertext())
                .param("campaign", change.campaignId(), Types.VARCHAR)
                .param("previous", change.previousScore(), Types.SMALLINT)
                .param("score", change.spamScore())
                .param("checkedAt", Timestamp.from(change.checkedAt()))
                .update();
    }

    /**
     * Claims up to {@code limit} due deliveries for one attempt each, at most
     * {@code perWebhook} in flight per subscription (counting those already leased), oldest due
     * first. A claim is a lease: if its notifier dies, the delivery is due again once it passes.
     * Whether a delivery is leased and due is asked again as its row is locked: an attempt recorded
     * meanwhile (its lease had run out) may have put it off, and its receiver's {@code Retry-After}
     * must hold.
     */
    List<DueDelivery> claim(int limit, int perWebhook, Duration lease) {
        return jdbc.sql("""
                WITH busy AS (
                    SELECT subscription_id, count(*) AS n FROM webhook_deliveries
                     WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until > now()
                     GROUP BY subscription_id),
                due AS (
                    -- Per subscription only the few it has room for (V11's index): never its whole backlog.
                    SELECT d.id, d.next_attempt_at
                      FROM webhook_subscriptions s LEFT JOIN busy b ON b.subscription_id = s.id
                     CROSS JOIN LATERAL (
                           SELECT p.id, p.next_attempt_at FROM webhook_deliveries p
                            WHERE p.subscription_id = s.id AND p.status = 'pending' AND p.next_attempt_at <= now()
                              AND (p.lease_until IS NULL OR p.lease_until <= now())
                            ORDER BY p.next_attempt_at, p.id
                            LIMIT greatest(:perWebhook - coalesce(b.n, 0), 0)) d
                     WHERE s.deleted_at IS NULL),
                chosen AS (SELECT id FROM due ORDER BY next_attempt_at, id LIMIT :limit)
                UPDATE webhook_deliveries d
                   SET attempts = d.attempts + 1, lease_until = now() + make_interval(secs => :leaseSeconds)
                  FROM chosen, webhook_subscriptions s
                 WHERE d.id = chosen.id AND s.id = d.subscription_id AND s.deleted_at IS NULL AND d.status = 'pending'
                   AND (d.lease_until IS NULL OR d.lease_until <= now()) AND d.next_attempt_at <= now()
                RETURNING d.id, d.attempts, d.event_id, d.event_type, d.occurred_at, d.number_hash,
                          d.number_last4, d.number_ciphertext, d.campaign_id, d.previous_score, d.spam_score,
                          d.checked_at, s.id AS webhook_id, s.url, s.secret_ciphertext, s.include_phone_number,
                          now() AS claimed_at""")
                .param("limit", limit)
                .param("perWebhook", perWebhook)
                .param("leaseSeconds", (double) lease.toMillis() / 1000)
                .query(DeliveryQueue::due)
                .list();
    }

    /**
     * Records the attempt and what follows it. Every attempt is logged, also one whose lease ran out
     * while it was made (another notifier took the delivery over meanwhile, attempts moved on):
     * the receiver may have had it. Such an attempt that succeeded ends the delivery, so it is not
     * sent again to a receiver that has it, if the delivery still waits for a retry and no newer
     * attempt is under way (whose lease counts towards its subscription's attempts in flight);
     * otherwise the newer attempt decides, as it does after one that failed.
     *
     * @return whether the delivery took this outcome (not when it had ended meanwhile, or another
     *         notifier's attempt decides it)
     */
    boolean record(DueDelivery delivery, Attempt attempt, Instant nextAttempt) {
        String status = attempt.succeeded() ? "delivered" : nextAttempt == null ? "dead" : "pending";
        // One statement, so the delivery never moves on without its attempt in the log. The
        // attempt is logged whatever became of its delivery: ended meanwhile (its subscription
        // deleted while it was being sent), or taken over. Both read the row as it was before the update.
        return jdbc.sql("""
                WITH recorded AS (
                    UPDATE webhook_deliveries
                       SET status = :status, lease_until = NULL, last_status_code = :statusCode, last_error = :error,
                           next_attempt_at = coalesce(:next, next_attempt_at),
                           finished_at = CASE WHEN :status = 'pending' THEN NULL ELSE now() END,
                           number_ciphertext = CASE WHEN :status = 'pending' THEN number_ciphertext END
                     WHERE id = :id AND status = 'pending'
                       AND (attempts = :attempt OR (attempts > :attempt AND :status = 'delivered'
                            AND (lease_until IS NULL OR lease_until <= now())))
                    RETURNING id),
                logged AS (
                    INSERT INTO webhook_delivery_attempts (delivery_id, attempt, attempted_at, duration_ms, status_code, error)
                    SELECT id, :attempt, :attemptedAt, :durationMs, :statusCode, :error FROM webhook_deliveries
                     WHERE id = :id AND attempts >= :attempt
                    ON CONFLICT DO NOTHING)
                SELECT EXISTS (SELECT 1 FROM recorded)""")
                .param("id", delivery.id())
                .param("attempt", delivery.attempt())
                .param("statusCode", attempt.statusCode(), Types.INTEGER)
                .param("error", attempt.error(), Types.VARCHAR)
                .param("status", status)
                .param("next", nextAttempt == null ? null : Timestamp.from(nextAttempt), Types.TIMESTAMP)
                .param("attemptedAt", Timestamp.from(attempt.startedAt()))
                .param("durationMs", (int) Math.min(Integer.MAX_VALUE, attempt.duration().toMillis()))
                .query(Boolean.class)
                .single();
    }

    private static DueDelivery due(ResultSet row, int index) throws SQLException {
        Number previous = (Number) row.getObject("previous_score");
        return new DueDelivery(row.getLong("id"), row.getInt("attempts"), row.getString("event_id"), row.getString("event_type"), instant(row, "occurred_at"),
                row.getString("number_hash"), row.getString("number_last4"), row.getString("number_ciphertext"),
                row.getString("campaign_id"), previous == null ? null : previous.intValue(), row.getInt("spam_score"),
                instant(row, "checked_at"), row.getString("webhook_id"), row.getString("url"),
                row.getString("secret_ciphertext"), row.getBoolean("include_phone_number"),
                instant(row, "claimed_at"), System.nanoTime());
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        return row.getTimestamp(column).toInstant();
    }
}
