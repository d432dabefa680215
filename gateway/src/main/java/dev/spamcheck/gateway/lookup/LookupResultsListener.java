package dev.spamcheck.gateway.lookup;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Every gateway instance reads every lookup result, from the end of the topic, under a group id
 * of its own, and hands each to the requests waiting for that number. Offsets are never
 * committed: a restarted gateway has no waiting requests to answer.
 */
@Component
class LookupResultsListener {

    private static final Logger log = LoggerFactory.getLogger(LookupResultsListener.class);

    private final PendingLookups pending;
    private final MessageCodec codec;

    LookupResultsListener(PendingLookups pending, MessageCodec codec) {
        this.pending = pending;
        this.codec = codec;
    }

    @KafkaListener(id = "lookup-results", topics = Topics.LOOKUP_RESULTS,
            groupId = "spamcheck-gateway-${random.uuid}",
            containerFactory = "lookupResultsContainerFactory",
            properties = {ConsumerConfig.AUTO_OFFSET_RESET_CONFIG + "=latest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG + "=false"})
    void onResult(String json) {
        LookupResult result;
        try {
            result = codec.decode(json, LookupResult.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a lookup result that cannot be read: {}", ex.getMessage());
            return;
        }
        pending.complete(result);
    }
}
