package dev.spamcheck.devstack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads whole topics of the test devstack's broker, as an operator with a console consumer would. */
final class TopicContents {

    private TopicContents() {
    }

    static Set<String> topics() throws Exception {
        return topics(TestStack.get().kafkaBootstrapServers());
    }

    /** Whether the broker at {@code bootstrapServers} has the topic (asked without creating it). */
    static boolean exists(String bootstrapServers, String topic) throws Exception {
        return topics(bootstrapServers).contains(topic);
    }

    private static Set<String> topics(String bootstrapServers) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            return admin.listTopics().names().get();
        }
    }

    /** Every record now on the topic, from the beginning to the current end. */
    static List<ConsumerRecord<String, String>> read(String topic) {
        return read(TestStack.get().kafkaBootstrapServers(), topic);
    }

    /** Every record now on a topic of the broker at {@code bootstrapServers}. */
    static List<ConsumerRecord<String, String>> read(String bootstrapServers, String topic) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrapServers)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** The total of the end offsets: grows with every record produced to the topic. */
    static long endOffsetTotal(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer(TestStack.get().kafkaBootstrapServers())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** The value of the latest record under each key, null for a tombstone: what compaction keeps. */
    static Map<String, String> latestByKey(List<ConsumerRecord<String, String>> records) {
        Map<String, String> latest = new java.util.HashMap<>();
        records.forEach(record -> latest.put(record.key(), record.value()));
        return latest;
    }

    private static KafkaConsumer<String, String> consumer(String bootstrapServers) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // What every consumer sees: records of aborted transactions (the reputation changes'
        // stream processor writes in transactions) are not part of a topic.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }
}
