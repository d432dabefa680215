package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Start-up completes only once this instance can receive the results of its requests: the
 * results consumer has every partition and a fixed position in each.
 */
@Component
class LookupResultsReadiness implements ApplicationRunner {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final CountDownLatch positioned = new CountDownLatch(1);

    void positioned() {
        positioned.countDown();
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (!positioned.await(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("Not positioned on the " + Topics.LOOKUP_RESULTS + " partitions within "
                    + READY_TIMEOUT.toSeconds() + " s; is Kafka reachable?");
        }
    }
}
