package dev.spamcheck.archiver.campaigns;

import java.sql.Timestamp;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.CampaignHealth;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Stores each campaign's latest health snapshot in {@code campaign_health}, where the gateway
 * reads it. A snapshot read again, or out of order, never replaces a newer one.
 */
@Component
class CampaignHealthWriter {

    private static final Logger log = LoggerFactory.getLogger(CampaignHealthWriter.class);
    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
            .build();

    private final MessageCodec codec;
    private final JdbcTemplate jdbc;

    CampaignHealthWriter(MessageCodec codec, JdbcTemplate jdbc) {
        this.codec = codec;
        this.jdbc = jdbc;
    }

    // read_committed: snapshots are written in the stream processor's transactions.
    @KafkaListener(id = "campaign-health", topics = Topics.CAMPAIGN_HEALTH, groupId = "spamcheck-campaign-health-table",
            containerFactory = "untilStoredContainerFactory", properties = "isolation.level=read_committed")
    void onSnapshot(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return;
        }
        CampaignHealth health;
        try {
            health = codec.decode(record.value(), CampaignHealth.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a campaign health snapshot that cannot be read (partition {}, offset {})",
                    record.partition(), record.offset());
            return;
        }
        jdbc.update("""
                INSERT INTO campaign_health (campaign_id, numbers_checked, currently_flagged, changes_by_minute,
                       version, updated_at)
                VALUES (?, ?, ?, CAST(? AS jsonb), ?, ?)
                ON CONFLICT (campaign_id) DO UPDATE
                   SET numbers_checked = EXCLUDED.numbers_checked, currently_flagged = EXCLUDED.currently_flagged,
                       changes_by_minute = EXCLUDED.changes_by_minute, version = EXCLUDED.version,
                       updated_at = EXCLUDED.updated_at
                 WHERE campaign_health.version < EXCLUDED.version""",
                health.campaignId(), health.numbersChecked(), health.currentlyFlagged(),
                JSON.writeValueAsString(health.changesByMinute()), health.version(),
                Timestamp.from(health.updatedAt()));
    }
}
