package dev.spamcheck.gateway.lookup;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;

/** Hands every lookup result to the requests waiting for its number (see {@link LookupKafkaConfiguration}). */
@Component
class LookupResultsListener implements MessageListener<Object, Object>, ConsumerSeekAware {

    private static final Logger log = LoggerFactory.getLogger(LookupResultsListener.class);

    private final PendingLookups pending;
    private final MessageCodec codec;
    private final LookupResultsReadiness readiness;

    LookupResultsListener(PendingLookups pending, MessageCodec codec, LookupResultsReadiness readiness) {
        this.pending = pending;
        this.codec = codec;
        this.readiness = readiness;
    }

    @Override
    public void onMessage(ConsumerRecord<Object, Object> record) {
        LookupResult result;
        try {
            result = codec.decode((String) record.value(), LookupResult.class);
        }
        catch (MessageCodec.MalformedMessageException | IllegalArgumentException ex) {
            log.warn("Skipping a lookup result that cannot be read: {}", ex.getMessage());
            return;
        }
        pending.complete(result);
    }

    /** The consumer has its partitions and a fixed position in each: results from now on are read. */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        readiness.positioned();
    }
}
