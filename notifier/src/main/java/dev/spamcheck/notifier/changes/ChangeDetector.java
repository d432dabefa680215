package dev.spamcheck.notifier.changes;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.ReputationChange;

/**
 * Keeps each number's last definitive score (the store {@value #STORE}) and forwards a
 * {@link ReputationChange} when a newer scored answer differs from it. Answers from the cache repeat
 * a score already counted; not-found answers and failures are never changes; an answer no newer
 * than the last one (a replay, an older duplicate) changes nothing; a purge's tombstone forgets the
 * number.
 */
final class ChangeDetector implements FixedKeyProcessor<String, LookupResult, ReputationChange> {

    static final String STORE = "reputation-last-scores";

    private FixedKeyProcessorContext<String, ReputationChange> context;
    private KeyValueStore<String, LastScore> lastScores;

    @Override
    public void init(FixedKeyProcessorContext<String, ReputationChange> context) {
        this.context = context;
        this.lastScores = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, LookupResult> record) {
        if (record.key() == null) {
            return;
        }
        LookupResult result = record.value();
        if (result == null) {
            lastScores.delete(record.key());
            return;
        }
        if (result.outcome() != LookupResult.Outcome.SCORED || result.fromCache() || result.spamScore() == null) {
            return;
        }
        LastScore last = lastScores.get(record.key());
        if (last != null && !result.checkedAt().isAfter(last.checkedAt())) {
            return;
        }
        lastScores.put(record.key(), new LastScore(result.spamScore(), result.checkedAt()));
        ReputationChange change = ReputationChange.between(last == null ? null : last.score(), result);
        if (change != null) {
            context.forward(record.withValue(change));
        }
    }
}
