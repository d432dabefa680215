package dev.spamcheck.gateway.lookup;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Hands every lookup result to the requests waiting for its number (see
 * {@link LookupKafkaConfiguration}) and to the {@link AnswerView}. A purge's tombstone answers
 * nobody and removes the number from the view.
 */
@Component
class LookupResultsListener implements MessageListener<String, LookupResult>, ConsumerSeekAware {

    private final AnswerView view;
    private final PendingLookups pending;
    private final LookupResultsReadiness readiness;
    private final AnswerViewWarmup warmup;

    LookupResultsListener(AnswerView view, PendingLookups pending, LookupResultsReadiness readiness,
            AnswerViewWarmup warmup) {
        this.view = view;
        this.pending = pending;
        this.readiness = readiness;
        this.warmup = warmup;
    }

    @Override
    public void onMessage(ConsumerRecord<String, LookupResult> record) {
        LookupResult result = record.value();
        if (result == null) {
            // A purge's tombstone, keyed by the number's hash: only the results topic carries them.
            // Anything else without a value (a keyless null on the failures topic) means nothing,
            // and must not fail: retried for ever, it would hold up every result behind it.
            if (record.key() != null && Topics.LOOKUP_RESULTS.name().equals(record.topic())) {
                view.forget(record.key());
            }
            return;
        }
        if (result.isDefinitive()) {
            view.seen(result.numberHash(), Answer.of(result));
        }
        pending.complete(result);
    }

    /**
     * The consumer has its partitions and a fixed position in each: results from now on are read,
     * those before that can still be fresh are read into the view first, on this thread before its
     * first poll, and then the gateway may be ready.
     */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        try {
            warmup.warm(assignments, view.readingFromNow());
        }
        finally {
            // Whatever became of the warm-up: the consumer is positioned, and misses can be answered.
            readiness.positioned();
        }
    }
}
