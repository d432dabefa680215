package dev.spamcheck.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
    }

    @Test
    void aPlaintextNumberLeavesKafkaWithinTwentyThreeHours() {
        // A record stays until its segment's newest one is past the retention: at most a segment's
        // time beyond it, plus the broker's retention check (every 5 minutes by default).
        for (Topic<String, ?> topic : List.of(Topics.LOOKUP_PREWARM,
                Topics.named(Topics.LOOKUP_PREWARM.deadLetterTopic()))) {
            assertThat(retention(topic).plus(segment(topic)).plusMinutes(5)).as(topic.name())
                    .isLessThanOrEqualTo(Duration.ofHours(23));
            // By the broker's clock: a record its producer dated ahead would hold its segment longer.
            assertThat(topic.configs()).as(topic.name())
                    .containsEntry(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        }
    }

    @Test
    void topicsDeletedByAgeRollTheirSegmentsOftenEnoughToKeepTheirRetention() {
        // Kafka's default segment.ms, a week, would keep a daily-written topic's records a week.
        for (Topic<String, ?> topic : Topics.all().toList()) {
            Duration retention = retention(topic);
            if (retention != null) {
                assertThat(segment(topic)).as(topic.name()).isLessThanOrEqualTo(retention.dividedBy(24));
            }
        }
    }

    @Test
    void everyAnswerStaysADayForAReaderBehindAndAPurgedOneGoesWithinTwo() {
        Map<String, String> results = Topics.LOOKUP_RESULTS.configs();
        Duration kept = Duration.ofMillis(Long.parseLong(results.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG)));
        Duration compactedWithin = Duration.ofMillis(Long.parseLong(results.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG)));
        assertThat(kept).isGreaterThanOrEqualTo(Duration.ofDays(1));
        // Kafka refuses a minimum over the maximum; the maximum bounds how long a purged answer stays.
        assertThat(kept).isLessThanOrEqualTo(compactedWithin);
        assertThat(compactedWithin.plus(segment(Topics.LOOKUP_RESULTS))).isLessThanOrEqualTo(Duration.ofDays(2));
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

    private static Duration segment(Topic<String, ?> topic) {
        String millis = topic.configs().get(TopicConfig.SEGMENT_MS_CONFIG);
        return millis == null ? Duration.ofDays(7) : Duration.ofMillis(Long.parseLong(millis));
    }

    private static String days(Duration retention) {
        if (retention.toHoursPart() != 0) {
            return retention.toHours() + " hours";
        }
        long days = retention.toDays();
        return days == 1 ? "1 day" : days + " days";
    }
}
