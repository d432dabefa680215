package dev.spamcheck.notifier.campaigns;

import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.spamcheck.schemas.topic.CampaignHealth;

/**
 * Per campaign (keyed by campaign id): adds up its {@link CampaignDelta}s into a
 * {@link CampaignHealth} (the store {@value #STORE}) and forwards each new snapshot. Changes are
 * kept by minute for {@link #CHANGES_KEPT}, so the reader can count any window up to it. A
 * campaign left with no number and no change (its last number purged) is forgotten: deleted from
 * the store and tombstoned, since campaign ids are the callers' own and would pile up for ever.
 */
final class CampaignHealthAggregator implements FixedKeyProcessor<String, CampaignDelta, CampaignHealth> {

    static final String STORE = "campaign-health";
    static final Duration CHANGES_KEPT = Duration.ofDays(7);

    private FixedKeyProcessorContext<String, CampaignHealth> context;
    private KeyValueStore<String, CampaignHealth> health;

    @Override
    public void init(FixedKeyProcessorContext<String, CampaignHealth> context) {
        this.context = context;
        this.health = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, CampaignDelta> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        CampaignDelta delta = record.value();
        CampaignHealth stored = health.get(record.key());
        CampaignHealth last = stored == null
                ? new CampaignHealth(record.key(), 0, 0, new TreeMap<>(), 0, Instant.EPOCH)
                : stored;
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        TreeMap<Long, Integer> changes = new TreeMap<>(last.changesByMinute());
        if (delta.changeMinute() != null) {
            changes.merge(delta.changeMinute(), 1, Integer::sum);
        }
        changes.headMap(now.minus(CHANGES_KEPT).getEpochSecond() / 60).clear();
        CampaignHealth next = new CampaignHealth(record.key(), Math.max(0, last.numbersChecked() + delta.numbers()),
                Math.max(0, last.currentlyFlagged() + delta.flagged()), changes, nextVersion(last.version(), now), now);
        if (stored != null && next.numbersChecked() == 0 && next.currentlyFlagged() == 0 && changes.isEmpty()) {
            health.delete(record.key());
            context.forward(record.withValue(null));
            return;
        }
        health.put(record.key(), next);
        context.forward(record.withValue(next));
    }

    /**
     * Above the last, and at least the time in milliseconds: versions keep growing when the
     * store is rebuilt from nothing (an application reset), and never go back when the task moves
     * to a notifier whose clock is behind.
     */
    static long nextVersion(long last, Instant now) {
        return Math.max(last + 1, now.toEpochMilli());
    }
}
