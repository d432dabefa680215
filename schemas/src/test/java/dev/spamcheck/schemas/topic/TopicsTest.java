package dev.spamcheck.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * The one topic table: every topic a service reads has a dead-letter topic that the readers
 * create, and no service creates what it does not use.
 */
class TopicsTest {

    @Test
    void everyTopicAServiceReadsHasADeadLetterTopicCreatedByItsReaders() {
        for (Topic<String, ?> topic : Topics.ALL) {
            Topic<String, ?> deadLetters = Topics.named(topic.deadLetterTopic());
            assertThat(deadLetters).as("dead letters of %s", topic.name()).isNotNull();
            assertThat(deadLetters.valueType()).isEqualTo(byte[].class);
            assertThat(deadLetters.newTopic(12).numPartitions()).isEqualTo(1);
            assertThat(deadLetters.services()).as("readers of %s", topic.name()).isNotEmpty()
                    .isSubsetOf(topic.services());
        }
        // The prewarm topic may hold plaintext numbers: its dead letters go as soon as it does.
        assertThat(retention(Topics.named(Topics.LOOKUP_PREWARM.deadLetterTopic())))
                .isEqualTo(retention(Topics.LOOKUP_PREWARM)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void eachServiceCreatesOnlyTheTopicsItUses() {
        assertThat(Topics.usedBy(Service.NOTIFIER)).extracting(Topic::name)
                .contains(Topics.REPUTATION_CHANGES.name(), Topics.CAMPAIGN_HEALTH.name())
                .doesNotContain(Topics.LOOKUP_REQUESTS.name(), Topics.LOOKUP_PREWARM.name(),
                        Topics.ARCHIVE_TRIGGERS.name());
        assertThat(Topics.usedBy(Service.GATEWAY)).extracting(Topic::name)
                .doesNotContain(Topics.REPUTATION_CHANGES.name(), Topics.LOOKUP_PREWARM.name());
        for (Service service : Service.values()) {
            assertThat(Topics.usedBy(service)).as("topics of %s", service).isNotEmpty();
        }
        assertThat(Topics.all().map(Topic::name).distinct().count()).isEqualTo(Topics.all().count());
    }

    private static Duration retention(Topic<String, ?> topic) {
        String millis = topic.configs().get(TopicConfig.RETENTION_MS_CONFIG);
        return millis == null ? null : Duration.ofMillis(Long.parseLong(millis));
    }
}
