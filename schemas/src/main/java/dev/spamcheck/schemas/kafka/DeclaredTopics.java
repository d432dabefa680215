package dev.spamcheck.schemas.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spamcheck.schemas.topic.Topic;

/**
 * The topics a service declares to Spring Kafka's admin, which creates those that are missing and
 * brings the others to their settings. It would also add partitions to an existing topic with fewer
 * than {@code spamcheck.kafka.partitions}, and a keyed topic cannot grow in place: a number's later
 * records would go to another partition than its earlier ones, so compaction would keep both, a
 * purge's tombstone would miss the old one, and gateways, which read a fixed set of partitions,
 * would miss results. So an existing topic is declared without a partition count, and one whose
 * count differs from the setting is named in a WARN; so is one Kafka did not answer about (slow
 * or away as the service starts), which may exist.
 */
public final class DeclaredTopics {

    private static final Logger log = LoggerFactory.getLogger(DeclaredTopics.class);
    private static final int LOOKUP_TIMEOUT_MS = 5_000;

    private DeclaredTopics() {
    }

    /**
     * The topics to declare, after asking the cluster which exist (all as new when {@code adminConfig}
     * is null: nothing will be created).
     */
    public static NewTopic[] of(List<Topic<String, ?>> topics, int partitions, Map<String, Object> adminConfig) {
        if (adminConfig == null) {
            return declare(topics, partitions, Map.of(), Set.of());
        }
        Map<String, Integer> existing = new HashMap<>();
        Set<String> unknown = new TreeSet<>();
        describe(topics, adminConfig, existing, unknown);
        if (!unknown.isEmpty()) {
            log.warn("Kafka did not say whether {} exist: declared without a partition count, so an existing one keeps "
                    + "its own, and one that is missing is created with the broker's default count", unknown);
        }
        return declare(topics, partitions, existing, unknown);
    }

    /**
     * @param existing the partition count of each topic that exists
     * @param unknown topics Kafka did not say anything about: declared without a partition count too,
     *        since the admin would add partitions to one that exists with fewer (but a one-partition
     *        topic with its one)
     */
    static NewTopic[] declare(List<Topic<String, ?>> topics, int partitions, Map<String, Integer> existing,
            Set<String> unknown) {
        return topics.stream().map(topic -> {
            NewTopic declared = topic.newTopic(partitions);
            Integer count = existing.get(topic.name());
            if (count == null && !unknown.contains(topic.name())) {
                return declared;
            }
            if (count != null && count != declared.numPartitions()) {
                log.warn("Topic {} has {} partitions, not the {} declared: left as it is (a keyed topic cannot change "
                        + "its partitions in place; see docs/deploying.md, Scaling)", topic.name(), count,
                        declared.numPartitions());
            }
            // A one-partition topic keeps its count even so: the admin can only add partitions, so
            // one that exists has at least one, and one made now must not take the broker's default.
            Optional<Integer> onePartition = topic.singlePartition() && count == null ? Optional.of(1)
                    : Optional.empty();
            return new NewTopic(topic.name(), onePartition, Optional.empty()).configs(declared.configs());
        }).toArray(NewTopic[]::new);
    }

    /** Sorts the topics into those that exist (with their partition counts), missing ones, and unknown ones. */
    private static void describe(List<Topic<String, ?>> topics, Map<String, Object> adminConfig,
            Map<String, Integer> existing, Set<String> unknown) {
        Map<String, Object> config = new HashMap<>(adminConfig);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, LOOKUP_TIMEOUT_MS);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, LOOKUP_TIMEOUT_MS);
        topics.forEach(topic -> unknown.add(topic.name()));
        try (Admin admin = Admin.create(config)) {
            Map<String, KafkaFuture<TopicDescription>> described = admin
                    .describeTopics(topics.stream().map(Topic::name).toList()).topicNameValues();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
                try {
                    existing.put(topic.getKey(),
                            topic.getValue().get(LOOKUP_TIMEOUT_MS, TimeUnit.MILLISECONDS).partitions().size());
                    unknown.remove(topic.getKey());
                }
                catch (ExecutionException ex) {
                    if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
                        unknown.remove(topic.getKey());
                    }
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (TimeoutException | RuntimeException unreachable) {
            log.debug("Could not ask Kafka which topics exist: {}", unreachable.getClass().getSimpleName());
        }
    }
}
