package dev.spamcheck.gateway.lookup;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;

/**
 * Hands every lookup result to the requests waiting for its number (see
 * {@link LookupKafkaConfiguration}). A purge's tombstone answers nobody.
 */
@Component
class LookupResultsListener implements MessageListener<String, LookupResult>, ConsumerSeekAware {

    private final PendingLookups pending;
    private final LookupResultsReadiness readiness;

    LookupResultsListener(PendingLookups pending, LookupResultsReadiness readiness) {
        this.pending = pending;
        this.readiness = readiness;
    }

    @Override
    public void onMessage(ConsumerRecord<String, LookupResult> record) {
        if (record.value() != null) {
            pending.complete(record.value());
        }
    }

    /** The consumer has its partitions and a fixed position in each: results from now on are read. */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        readiness.positioned();
    }
}
