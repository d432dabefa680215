package dev.spamcheck.devstack;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/** Waits for lookup-workers to settle after one joins or leaves. */
final class Workers {

    private Workers() {
    }

    /** Until the running workers between them own every partition of the listener's topic. */
    static void awaitBalanced(String listenerId, int partitions) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            List<ConfigurableApplicationContext> workers = TestStack.get().workers();
            Set<TopicPartition> owned = new HashSet<>();
            for (ConfigurableApplicationContext worker : workers) {
                MessageListenerContainer container = worker.getBean(KafkaListenerEndpointRegistry.class)
                        .getListenerContainer(listenerId);
                if (container == null || !container.isRunning() || container.getAssignedPartitions() == null
                        || container.getAssignedPartitions().isEmpty()) {
                    return false;
                }
                owned.addAll(container.getAssignedPartitions());
            }
            return owned.size() == partitions;
        });
    }
}
