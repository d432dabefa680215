package dev.spamcheck.archiver.campaigns;

import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.spamcheck.schemas.topic.CampaignHealth;
import dev.spamcheck.schemas.topic.MessageCodec;

/**
 * Per campaign (keyed by campaign id): adds up its {@link CampaignDelta}s into a
 * {@link CampaignHealth} (the store {@value #STORE}) and forwards each new snapshot. Changes are
 * kept by minute for {@link #CHANGES_KEPT}, so the reader can count any window up to it.
 */
final class CampaignHealthAggregator implements FixedKeyProcessor<String, String, String> {

    static final String STORE = "campaign-health";
    static final Duration CHANGES_KEPT = Duration.ofDays(7);

    private final MessageCodec codec;
    private FixedKeyProcessorContext<String, String> context;
    private KeyValueStore<String, String> health;

    CampaignHealthAggregator(MessageCodec codec) {
        this.codec = codec;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, String> context) {
        this.context = context;
        this.health = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, String> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        CampaignDelta delta = codec.decode(record.value(), CampaignDelta.class);
        String stored = health.get(record.key());
        CampaignHealth last = stored == null
                ? new CampaignHealth(record.key(), 0, 0, new TreeMap<>(), 0, Instant.EPOCH)
                : codec.decode(stored, CampaignHealth.class);
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        TreeMap<Long, Integer> changes = new TreeMap<>(last.changesByMinute());
        if (delta.changeMinute() != null) {
            changes.merge(delta.changeMinute(), 1, Integer::sum);
        }
        changes.headMap(now.minus(CHANGES_KEPT).getEpochSecond() / 60).clear();
        CampaignHealth next = new CampaignHealth(record.key(), Math.max(0, last.numbersChecked() + delta.numbers()),
                Math.max(0, last.currentlyFlagged() + delta.flagged()), changes, nextVersion(last.version(), now), now);
        String encoded = codec.encode(next);
        health.put(record.key(), encoded);
        context.forward(record.withValue(encoded));
    }

    /**
     * Above the last, and at least the time in milliseconds: versions keep growing when the
     * store is rebuilt from nothing (an application reset), and never go back when the task moves
     * to an archiver whose clock is behind.
     */
    static long nextVersion(long last, Instant now) {
        return Math.max(last + 1, now.toEpochMilli());
    }
}
