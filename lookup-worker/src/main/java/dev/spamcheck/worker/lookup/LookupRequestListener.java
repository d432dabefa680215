package dev.spamcheck.worker.lookup;

import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Takes lookup requests and publishes their results. A request's offset is committed only after
 * its result is on the results topic, so nothing is lost on a crash. One number's requests share
 * a partition, so they are handled one after the other.
 */
@Component
class LookupRequestListener {

    private static final Logger log = LoggerFactory.getLogger(LookupRequestListener.class);

    private final LookupProcessor processor;
    private final LookupResultPublisher publisher;
    private final MessageCodec codec;

    LookupRequestListener(LookupProcessor processor, LookupResultPublisher publisher, MessageCodec codec) {
        this.processor = processor;
        this.publisher = publisher;
        this.codec = codec;
    }

    @KafkaListener(id = "lookup-requests", topics = Topics.LOOKUP_REQUESTS, groupId = "spamcheck-lookup-worker",
            concurrency = "${spamcheck.lookup-concurrency:12}")
    void onRequest(String json) throws Exception {
        LookupRequest request;
        try {
            request = codec.decode(json, LookupRequest.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a lookup request that cannot be read: {}", ex.getMessage());
            return;
        }
        LookupResult result = processor.process(request);
        publisher.publish(result);
        log.info("Lookup {} for ***{}: {}{}{}", request.requestId(), request.last4(),
                result.outcome().name().toLowerCase(Locale.ROOT),
                result.spamScore() == null ? "" : " score=" + result.spamScore(),
                result.fromCache() ? " (cached)" : "");
    }
}
