package dev.spamcheck.gateway.campaigns;

import java.time.OffsetDateTime;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Mono;

/**
 * {@code campaign_health}, as the notifier's stream processor last wrote it. The change counts are
 * taken at the time of asking, by the database clock, from the changes kept by minute.
 */
@Repository
class CampaignHealthStore {

    private final DatabaseClient db;

    CampaignHealthStore(DatabaseClient db) {
        this.db = db;
    }

    /** The campaign's health now; empty when no number has been checked for it. */
    Mono<CampaignHealthController.Health> find(String campaignId) {
        return db.sql("""
                SELECT campaign_id, numbers_checked, currently_flagged, updated_at,
                       (SELECT coalesce(sum(value::bigint), 0) FROM jsonb_each_text(changes_by_minute)
                         WHERE key::bigint * 60 > extract(epoch FROM now()) - 86400) AS changes_24h,
                       (SELECT coalesce(sum(value::bigint), 0) FROM jsonb_each_text(changes_by_minute)
                         WHERE key::bigint * 60 > extract(epoch FROM now()) - 604800) AS changes_7d
                  FROM campaign_health WHERE campaign_id = :campaign""")
                .bind("campaign", campaignId)
                .map(row -> new CampaignHealthController.Health(row.get("campaign_id", String.class),
                        row.get("numbers_checked", Long.class), row.get("currently_flagged", Long.class),
                        number(row.get("changes_24h")), number(row.get("changes_7d")),
                        row.get("updated_at", OffsetDateTime.class).toInstant()))
                .one();
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }
}
