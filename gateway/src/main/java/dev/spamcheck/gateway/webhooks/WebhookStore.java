package dev.spamcheck.gateway.webhooks;

import java.time.OffsetDateTime;
import java.util.List;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code webhook_subscriptions} and the delivery log of {@code webhook_deliveries}. */
@Repository
class WebhookStore {

    private static final String COLUMNS = "id, url, events, campaign_id, include_phone_number, created_at";

    private final DatabaseClient db;

    WebhookStore(DatabaseClient db) {
        this.db = db;
    }

    Mono<Webhook> create(String id, String url, List<String> events, String campaignId, boolean includePhoneNumber,
            String secretCiphertext, String createdBy) {
        DatabaseClient.GenericExecuteSpec insert = db.sql("""
                INSERT INTO webhook_subscriptions
                       (id, url, events, campaign_id, include_phone_number, secret_ciphertext, created_by)
                VALUES (:id, :url, :events, :campaign, :includePhoneNumber, :secret, :createdBy)
                RETURNING """ + " " + COLUMNS)
                .bind("id", id)
                .bind("url", url)
                .bind("events", events.toArray(String[]::new))
                .bind("includePhoneNumber", includePhoneNumber)
                .bind("secret", secretCiphertext)
                .bind("createdBy", createdBy);
        insert = campaignId == null ? insert.bindNull("campaign", String.class) : insert.bind("campaign", campaignId);
        return insert.map(WebhookStore::webhook).one();
    }

    Flux<Webhook> all() {
        return db.sql("SELECT " + COLUMNS + " FROM webhook_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id")
                .map(WebhookStore::webhook)
                .all();
    }

    Mono<Webhook> find(String id) {
        return db.sql("SELECT " + COLUMNS + " FROM webhook_subscriptions WHERE id = :id AND deleted_at IS NULL")
                .bind("id", id)
                .map(WebhookStore::webhook)
                .one();
    }

    /** The subscription, live or deleted (kept until purged, its delivery log with it). */
    Mono<Webhook> findKept(String id) {
        return db.sql("SELECT " + COLUMNS + " FROM webhook_subscriptions WHERE id = :id")
                .bind("id", id)
                .map(WebhookStore::webhook)
                .one();
    }

    /**
     * Ends the subscription: nothing more is queued or claimed for it, its pending deliveries end
     * as dead ({@code subscription deleted}, their copy of the number dropped) and its signing
     * secret goes. The row and its delivery log stay, marked deleted by whom, as evidence for the
     * audit trail (the nightly job purges the row with the audit rows of its age). Deleting it
     * again (a retry whose first answer was lost) changes nothing and finds it, as revoking a token
     * twice does. Empty when there is none.
     */
    Mono<String> delete(String id, String deletedBy) {
        return db.sql("""
                WITH deleted AS (
                    UPDATE webhook_subscriptions
                       SET deleted_at = coalesce(deleted_at, now()), deleted_by = coalesce(deleted_by, :deletedBy),
                           secret_ciphertext = NULL
                     WHERE id = :id
                    RETURNING id),
                ended AS (
                    UPDATE webhook_deliveries d
                       SET status = 'dead', finished_at = now(), lease_until = NULL, number_ciphertext = NULL,
                           last_error = 'subscription deleted'
                      FROM deleted
                     WHERE d.subscription_id = deleted.id AND d.status = 'pending')
                SELECT id FROM deleted""")
                .bind("id", id)
                .bind("deletedBy", deletedBy)
                .map(row -> row.get("id", String.class))
                .one();
    }

    /** The subscription's latest deliveries, newest first, each with its attempts. */
    Flux<Delivery> deliveries(String id, String status, int limit) {
        DatabaseClient.GenericExecuteSpec query = db.sql("""
                SELECT d.id, d.event_id, d.event_type, d.occurred_at, d.status, d.attempts, d.next_attempt_at,
                       d.created_at, d.finished_at, d.last_status_code, d.last_error,
                       coalesce((SELECT json_agg(json_build_object(
                                   'attempt', a.attempt, 'attempted_at', a.attempted_at,
                                   'duration_ms', a.duration_ms, 'status_code', a.status_code, 'error', a.error)
                                 ORDER BY a.attempt)
                                   FROM webhook_delivery_attempts a WHERE a.delivery_id = d.id), '[]')::text AS log
                  FROM webhook_deliveries d
                 WHERE d.subscription_id = :id AND (CAST(:status AS text) IS NULL OR d.status = :status)
                 ORDER BY d.created_at DESC, d.id DESC
                 LIMIT :limit""")
                .bind("id", id)
                .bind("limit", limit);
        query = status == null ? query.bindNull("status", String.class) : query.bind("status", status);
        return query.map(WebhookStore::delivery).all();
    }

    private static Webhook webhook(Readable row) {
        return new Webhook(row.get("id", String.class), row.get("url", String.class),
                List.of(row.get("events", String[].class)), row.get("campaign_id", String.class),
                Boolean.TRUE.equals(row.get("include_phone_number", Boolean.class)),
                row.get("created_at", OffsetDateTime.class).toInstant());
    }

    private static Delivery delivery(Readable row) {
        OffsetDateTime finished = row.get("finished_at", OffsetDateTime.class);
        String status = row.get("status", String.class);
        return new Delivery(String.valueOf(row.get("id", Long.class)), row.get("event_id", String.class),
                row.get("event_type", String.class), row.get("occurred_at", OffsetDateTime.class).toInstant(), status,
                row.get("attempts", Integer.class), row.get("created_at", OffsetDateTime.class).toInstant(),
                "pending".equals(status) ? row.get("next_attempt_at", OffsetDateTime.class).toInstant() : null,
                finished == null ? null : finished.toInstant(), row.get("last_status_code", Integer.class),
                row.get("last_error", String.class), row.get("log", String.class));
    }
}
