package dev.spamcheck.devstack;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

import dev.spamcheck.worker.consumer.KeyOrderedConsumer;

/** Waits for lookup-workers to settle after one joins or leaves. */
final class Workers {

    private Workers() {
    }

    /** Until the running workers between them own every partition of the lookup requests topic. */
    static void awaitLookupRequestsBalanced(int partitions) {
        awaitBalanced(worker -> worker.getBean(KeyOrderedConsumer.class).assignedPartitions(), partitions);
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
