package dev.spamcheck.notifier.campaigns;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.spamcheck.schemas.topic.CampaignHealth;

/**
 * Per campaign (keyed by campaign id): adds up its {@link CampaignDelta}s into a
 * {@link CampaignHealth} (the store {@value #STORE}) and forwards each new snapshot. Changes are
 * kept by minute for {@link #CHANGES_KEPT}, so the reader can count any window up to it. A
 * campaign left with no number and no change (its last number purged) is forgotten: deleted from
 * the store and tombstoned, since campaign ids are the callers' own and would pile up for ever.
 * Every {@link #SWEEP_EVERY} the changes that aged out are dropped from campaigns no delta has
 * come for, so a campaign whose last number left while a change was recent is forgotten too.
 */
final class CampaignHealthAggregator implements Processor<String, CampaignDelta, String, CampaignHealth> {

    static final String STORE = "campaign-health";
    static final Duration CHANGES_KEPT = Duration.ofDays(7);
    static final Duration SWEEP_EVERY = Duration.ofHours(1);

    private ProcessorContext<String, CampaignHealth> context;
    private KeyValueStore<String, CampaignHealth> health;

    @Override
    public void init(ProcessorContext<String, CampaignHealth> context) {
        this.context = context;
        this.health = context.getStateStore(STORE);
        context.schedule(SWEEP_EVERY, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, CampaignDelta> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        CampaignDelta delta = record.value();
        CampaignHealth stored = health.get(record.key());
        CampaignHealth last = stored == null
                ? new CampaignHealth(record.key(), 0, 0, new TreeMap<>(), 0, Instant.EPOCH)
                : stored;
        TreeMap<Long, Integer> changes = new TreeMap<>(last.changesByMinute());
        if (delta.changeMinute() != null) {
            changes.merge(delta.changeMinute(), 1, Integer::sum);
        }
        update(record.key(), stored != null, last, Math.max(0, last.numbersChecked() + delta.numbers()),
                Math.max(0, last.currentlyFlagged() + delta.flagged()), changes, record.timestamp());
    }

    /** Drops aged-out changes from every campaign that holds some, forwarding what that changes. */
    private void sweep(long now) {
        long cutoff = minute(Instant.ofEpochMilli(now).minus(CHANGES_KEPT));
        List<CampaignHealth> aged = new ArrayList<>();
        try (KeyValueIterator<String, CampaignHealth> all = health.all()) {
            while (all.hasNext()) {
                CampaignHealth campaign = all.next().value;
                if (!campaign.changesByMinute().isEmpty() && campaign.changesByMinute().firstKey() < cutoff) {
                    aged.add(campaign);
                }
            }
        }
        for (CampaignHealth campaign : aged) {
            update(campaign.campaignId(), true, campaign, campaign.numbersChecked(), campaign.currentlyFlagged(),
                    new TreeMap<>(campaign.changesByMinute()), now);
        }
    }

    private void update(String campaignId, boolean stored, CampaignHealth last, long numbers, long flagged,
            TreeMap<Long, Integer> changes, long timestamp) {
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        changes.headMap(minute(now.minus(CHANGES_KEPT))).clear();
        if (stored && numbers == 0 && flagged == 0 && changes.isEmpty()) {
            health.delete(campaignId);
            context.forward(new Record<>(campaignId, null, timestamp));
            return;
        }
        CampaignHealth next = new CampaignHealth(campaignId, numbers, flagged, changes,
                nextVersion(last.version(), now), now);
        health.put(campaignId, next);
        context.forward(new Record<>(campaignId, next, timestamp));
    }

    private static long minute(Instant instant) {
        return instant.getEpochSecond() / 60;
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
