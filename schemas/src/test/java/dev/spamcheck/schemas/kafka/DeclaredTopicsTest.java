package dev.spamcheck.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.Topic;
import dev.spamcheck.schemas.topic.Topics;

class DeclaredTopicsTest {

    private static final List<Topic<String, ?>> TOPICS = List.of(Topics.LOOKUP_RESULTS, Topics.AUDIT_EVENTS);

    @Test
    void aMissingTopicIsDeclaredWithTheSettingsPartitionsAndAnExistingOneWithoutAny() {
        NewTopic[] declared = DeclaredTopics.declare(TOPICS, 24, Map.of(Topics.LOOKUP_RESULTS.name(), 12), Set.of());

        // Spring Kafka adds partitions up to a declared count; a keyed, compacted topic must keep its own.
        assertThat(declared[0].name()).isEqualTo(Topics.LOOKUP_RESULTS.name());
        assertThat(declared[0].numPartitions()).isEqualTo(-1);
        assertThat(declared[0].configs()).as("still brought to the table's settings")
                .isEqualTo(Topics.LOOKUP_RESULTS.configs());
        assertThat(declared[1].numPartitions()).isEqualTo(24);
        assertThat(declared[1].configs()).isEqualTo(Topics.AUDIT_EVENTS.configs());
    }

    @Test
    void aTopicKafkaDidNotAnswerAboutIsDeclaredWithoutAPartitionCountForItMayExist() {
        // Kafka slow or away as the service starts; the admin reaching it later must not grow a topic.
        NewTopic[] declared = DeclaredTopics.declare(TOPICS, 24, Map.of(), Set.of(Topics.LOOKUP_RESULTS.name()));

        assertThat(declared[0].numPartitions()).isEqualTo(-1);
        assertThat(declared[0].configs()).isEqualTo(Topics.LOOKUP_RESULTS.configs());
        assertThat(declared[1].numPartitions()).as("known to be missing").isEqualTo(24);
    }

    @Test
    void aOnePartitionTopicKafkaDidNotAnswerAboutKeepsItsOnePartition() {
        // Made now with the broker's default (set to 12, as deploying.md says), the triggers would
        // lose their order.
        NewTopic[] declared = DeclaredTopics.declare(List.of(Topics.ARCHIVE_TRIGGERS), 12, Map.of(),
                Set.of(Topics.ARCHIVE_TRIGGERS.name()));

        assertThat(declared[0].numPartitions()).isEqualTo(1);
        assertThat(declared[0].configs()).isEqualTo(Topics.ARCHIVE_TRIGGERS.configs());
    }

    @Test
    void whenKafkaCannotBeReachedEveryTopicIsDeclaredWithoutAPartitionCount() {
        Map<String, Object> nowhere = Map.of("bootstrap.servers", "127.0.0.1:1");

        NewTopic[] declared = DeclaredTopics.of(TOPICS, 24, nowhere);

        assertThat(declared).extracting(NewTopic::numPartitions).containsOnly(-1);
    }
}
