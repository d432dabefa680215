package dev.spamcheck.notifier.campaigns;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.CampaignHealth;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Stores each campaign's health snapshot in {@code campaign_health}, where the gateway reads it. A
 * snapshot that cannot be stored is retried until it is (the database is away); one that cannot
 * be read goes to the dead-letter topic: the container's error handler ({@code DeadLetters}) sees
 * to both.
 */
@Component
class CampaignHealthWriter {

    private final CampaignHealthTable table;

    CampaignHealthWriter(CampaignHealthTable table) {
        this.table = table;
    }

    @KafkaListener(id = "campaign-health", topics = Topics.Names.CAMPAIGN_HEALTH,
            groupId = "spamcheck-campaign-health-table")
    void onSnapshot(ConsumerRecord<String, CampaignHealth> record) {
        if (record.value() != null) {
            table.save(record.value());
        }
        else if (record.key() != null) {
            // A campaign forgotten: no number and no change left (see CampaignHealthAggregator).
            table.delete(record.key());
        }
    }
}
