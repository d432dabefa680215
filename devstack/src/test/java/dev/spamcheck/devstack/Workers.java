package dev.spamcheck.devstack;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;

/** Waits for lookup-workers to settle after one joins or leaves. */
final class Workers {

    /** The devstack's spamcheck.kafka.partitions. */
    static final int LOOKUP_REQUEST_PARTITIONS = 12;

    private Workers() {
    }

    /** Until the running workers between them own every partition of the lookup requests topic. */
    static void awaitLookupRequestsBalanced() {
        awaitBalanced(worker -> worker.getBean(KeyOrderedConsumer.class).assignedPartitions(),
                LOOKUP_REQUEST_PARTITIONS);
    }

    /** Until the running workers between them own every partition of the Spring Kafka listener's topic. */
    static void awaitBalanced(String listenerId, int partitions) {
        awaitBalanced(worker -> {
            MessageListenerContainer container = worker.getBean(KafkaListenerEndpointRegistry.class)
                    .getListenerContainer(listenerId);
            return container == null || !container.isRunning() || container.getAssignedPartitions() == null
                    ? Set.of() : container.getAssignedPartitions();
        }, partitions);
    }

    /**
     * A new number ending in {@code last4} whose lookup request goes to this consumer
     * ({@code owned}), or to another one; the topic has {@value #LOOKUP_REQUEST_PARTITIONS} partitions.
     */
    static String newNumber(KeyOrderedConsumer consumer, boolean owned, NumberProtection protection, String last4) {
        while (true) {
            String number = Traffic.uniqueNumber(last4);
            int partition = BuiltInPartitioner.partitionForKey(
                    protection.hash(number).getBytes(StandardCharsets.UTF_8), LOOKUP_REQUEST_PARTITIONS);
            if (consumer.assignedPartitions().contains(new TopicPartition(Topics.LOOKUP_REQUESTS.name(), partition))
                    == owned) {
                return number;
            }
        }
    }

    private static void awaitBalanced(Function<ConfigurableApplicationContext, Collection<TopicPartition>> owned,
            int partitions) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<ConfigurableApplicationContext> workers = TestStack.get().workers();
            Set<TopicPartition> all = new HashSet<>();
            for (ConfigurableApplicationContext worker : workers) {
                Collection<TopicPartition> ownedByWorker = owned.apply(worker);
                if (ownedByWorker.isEmpty()) {
                    return false;
                }
                all.addAll(ownedByWorker);
            }
            return all.size() == partitions;
        });
    }
}
