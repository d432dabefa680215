package dev.spamcheck.worker.lookup;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Takes lookup requests and publishes their results, keyed by number hash. A request's offset is
 * committed only after its result is on the results topic, so nothing is lost on a crash.
 */
@Component
class LookupRequestListener {

    private static final Logger log = LoggerFactory.getLogger(LookupRequestListener.class);
    private static final long PUBLISH_TIMEOUT_SECONDS = 10;

    private final LookupProcessor processor;
    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;

    LookupRequestListener(LookupProcessor processor, KafkaTemplate<String, String> kafka, MessageCodec codec) {
        this.processor = processor;
        this.kafka = kafka;
        this.codec = codec;
    }

    @KafkaListener(id = "lookup-requests", topics = Topics.LOOKUP_REQUESTS, groupId = "spamcheck-lookup-worker",
            concurrency = "${spamcheck.lookup-concurrency:3}")
    void onRequest(String json) throws InterruptedException, ExecutionException, TimeoutException {
        LookupRequest request;
        try {
            request = codec.decode(json, LookupRequest.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a lookup request that cannot be read: {}", ex.getMessage());
            return;
        }
        LookupResult result = processor.process(request);
        kafka.send(Topics.LOOKUP_RESULTS, result.numberHash(), codec.encode(result))
                .get(PUBLISH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        log.info("Lookup {} for ***{}: {}{}{}", request.requestId(), request.last4(),
                result.outcome().name().toLowerCase(java.util.Locale.ROOT),
                result.spamScore() == null ? "" : " score=" + result.spamScore(),
                result.fromCache() ? " (cached)" : "");
    }
}
