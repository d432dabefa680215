package dev.spamcheck.worker.lookup;

import java.time.Duration;

import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.LookupResult;

/** Publishes results to {@link LookupResult#topic()}, keyed by number hash, and waits for the broker to have them. */
@Component
public class LookupResultPublisher {

    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);

    private final TopicSender kafka;

    LookupResultPublisher(TopicSender kafka) {
        this.kafka = kafka;
    }

    public void publish(LookupResult result) {
        kafka.sendAndWait(result.topic(), result.numberHash(), result, PUBLISH_TIMEOUT);
    }
}
