package dev.spamcheck.worker.lookup;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;

/** Publishes results to {@link LookupResult#topic()}, keyed by number hash, and waits for the broker to have them. */
@Component
public class LookupResultPublisher {

    private static final long PUBLISH_TIMEOUT_SECONDS = 10;

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;

    LookupResultPublisher(KafkaTemplate<String, String> kafka, MessageCodec codec) {
        this.kafka = kafka;
        this.codec = codec;
    }

    public void publish(LookupResult result) throws InterruptedException, ExecutionException, TimeoutException {
        kafka.send(result.topic(), result.numberHash(), codec.encode(result))
                .get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
