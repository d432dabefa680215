package dev.spamcheck.archiver.changes;

import java.time.Instant;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.ReputationChange;

/**
 * Keeps each number's last definitive score (the store {@value #STORE}: number hash to
 * {@code "<score> <checked_at>"}) and forwards a {@link ReputationChange} when a newer scored
 * answer differs from it. Answers from the cache repeat a score already counted; not-found
 * answers and failures are never changes; an answer no newer than the last one (a replay, an
 * older duplicate) changes nothing; a purge's tombstone forgets the number.
 */
final class ChangeDetector implements FixedKeyProcessor<String, String, String> {

    static final String STORE = "reputation-last-scores";
    private static final Logger log = LoggerFactory.getLogger(ChangeDetector.class);

    private final MessageCodec codec;
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, String> lastScores;

    ChangeDetector(MessageCodec codec) {
        this.codec = codec;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
        this.context = context;
        this.lastScores = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            lastScores.delete(record.key());
            return;
        }
        LookupResult result;
        try {
            result = codec.decode(record.value(), LookupResult.class);
        }
        catch (RuntimeException unreadable) {
            // Never the stream's end: one bad record must not stop every later change.
            log.error("Skipping an unreadable lookup result at offset {}: {}", context.recordMetadata()
                    .map(metadata -> metadata.partition() + "@" + metadata.offset()).orElse("?"),
                    unreadable.getClass().getSimpleName());
            return;
        }
        if (result.outcome() != LookupResult.Outcome.SCORED || result.fromCache() || result.spamScore() == null) {
            return;
        }
        String last = lastScores.get(record.key());
        Integer lastScore = last == null ? null : Integer.valueOf(last.substring(0, last.indexOf(' ')));
        if (last != null && !result.checkedAt().isAfter(Instant.parse(last.substring(last.indexOf(' ') + 1)))) {
            return;
        }
        lastScores.put(record.key(), result.spamScore() + " " + result.checkedAt());
        ReputationChange change = ReputationChange.between(lastScore, result);
        if (change != null) {
            context.forward(record.withValue(codec.encode(change)));
        }
    }
}
