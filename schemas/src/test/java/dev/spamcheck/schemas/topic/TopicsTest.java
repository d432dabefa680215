package dev.spamcheck.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * The one topic table: every topic a service reads has a dead-letter topic that the readers
 * create, no service creates what it does not use, and the operators' table in
 * docs/architecture.md names every topic, dead letters included, with its retention.
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

    @Test
    void theOperatorsTableNamesEveryTopicWithItsRetention() throws IOException {
        String table = Files.readString(Path.of("..", "docs", "architecture.md"));
        for (Topic<String, ?> topic : Topics.all().toList()) {
            String row = table.lines().filter(line -> line.startsWith("| `" + topic.name() + "`")).findFirst()
                    .orElse(null);
            assertThat(row).as("docs/architecture.md has a row for %s", topic.name()).isNotNull();
            Duration retention = retention(topic);
            if (retention != null) {
                assertThat(row).as("the row of %s says its retention", topic.name()).contains(days(retention));
            }
            else {
                assertThat(row).as("the row of %s says it is compacted", topic.name()).contains("compacted");
            }
        }
    }

    private static Duration retention(Topic<String, ?> topic) {
        String millis = topic.configs().get(TopicConfig.RETENTION_MS_CONFIG);
        return millis == null ? null : Duration.ofMillis(Long.parseLong(millis));
    }

    private static String days(Duration retention) {
        long days = retention.toDays();
        return days == 1 ? "1 day" : days + " days";
    }
}
