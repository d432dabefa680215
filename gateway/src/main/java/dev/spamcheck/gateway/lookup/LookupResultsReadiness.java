package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Start-up completes only once this instance can receive the results of its requests: the
 * results consumer has its partitions and a fixed position in each.
 */
@Component
class LookupResultsReadiness implements ConsumerAwareRebalanceListener, ApplicationRunner {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final CountDownLatch positioned = new CountDownLatch(1);

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // Resolve "latest" now: a result published after this point is certain to be read.
        partitions.forEach(consumer::position);
        positioned.countDown();
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (!positioned.await(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("Not assigned the " + Topics.LOOKUP_RESULTS + " partitions within "
                    + READY_TIMEOUT.toSeconds() + " s; is Kafka reachable?");
        }
    }
}
