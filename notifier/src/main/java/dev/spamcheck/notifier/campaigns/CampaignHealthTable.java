package dev.spamcheck.notifier.campaigns;

import java.sql.Timestamp;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.topic.CampaignHealth;
import tools.jackson.databind.json.JsonMapper;

/** {@code campaign_health}: each campaign's latest snapshot, where the gateway reads it. */
@Repository
class CampaignHealthTable {

    private final JdbcClient jdbc;
    private final JsonMapper json;

    CampaignHealthTable(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Stores the snapshot unless a newer one (by version) is stored already. */
    void save(CampaignHealth health) {
        jdbc.sql("""
                INSERT INTO campaign_health (campaign_id, numbers_checked, currently_flagged, changes_by_minute,
                       version, updated_at)
                VALUES (?, ?, ?, CAST(? AS jsonb), ?, ?)
                ON CONFLICT (campaign_id) DO UPDATE
                   SET numbers_checked = EXCLUDED.numbers_checked, currently_flagged = EXCLUDED.currently_flagged,
                       changes_by_minute = EXCLUDED.changes_by_minute, version = EXCLUDED.version,
                       updated_at = EXCLUDED.updated_at
                 WHERE campaign_health.version < EXCLUDED.version""")
                .params(health.campaignId(), health.numbersChecked(), health.currentlyFlagged(),
                        json.writeValueAsString(health.changesByMinute()), health.version(),
                        Timestamp.from(health.updatedAt()))
                .update();
    }

    void delete(String campaignId) {
        jdbc.sql("DELETE FROM campaign_health WHERE campaign_id = ?").param(campaignId).update();
    }
}
