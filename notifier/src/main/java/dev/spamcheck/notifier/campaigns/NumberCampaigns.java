package dev.spamcheck.notifier.campaigns;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Per number (keyed by hash): its latest score and the campaigns it was answered for (the store
 * {@value #STORE}). Turns each {@link NumberEvent} into {@link CampaignDelta}s keyed by campaign:
 * a campaign gains the number once (up to {@link #MAX_CAMPAIGNS_PER_NUMBER} campaigns); a newer score that differs moves every one of its campaigns'
 * flagged count and, being a reputation change (the same rule as the changes processor: a first
 * answer only when flagged), their change count; a purge takes the number out of them all.
 */
final class NumberCampaigns implements Processor<String, NumberEvent, String, CampaignDelta> {

    static final String STORE = "campaign-numbers";
    /**
     * The campaigns a number counts in at most: the first it was answered for. Callers name
     * campaigns freely, and the number's state is rewritten whole on every event, so without a
     * bound one number asked about under ever new ids would grow until Kafka refused its record.
     */
    static final int MAX_CAMPAIGNS_PER_NUMBER = 100;

    private ProcessorContext<String, CampaignDelta> context;
    private KeyValueStore<String, State> numbers;

    record State(@JsonProperty("score") Integer score, @JsonProperty("checked_at") Instant checkedAt,
            @JsonProperty("campaigns") List<String> campaigns) {
    }

    @Override
    public void init(ProcessorContext<String, CampaignDelta> context) {
        this.context = context;
        this.numbers = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, NumberEvent> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        NumberEvent event = record.value();
        State stored = numbers.get(record.key());
        State state = stored == null ? new State(null, null, List.of()) : stored;
        if (event.forget()) {
            for (String campaign : state.campaigns()) {
                forward(record, campaign, new CampaignDelta(-1, isFlagged(state.score()) ? -1 : 0, null));
            }
            numbers.delete(record.key());
            return;
        }
        List<String> campaigns = new ArrayList<>(state.campaigns());
        Integer score = state.score();
        Instant checkedAt = state.checkedAt();
        String joined = null;
        if (event.campaignId() != null && campaigns.size() < MAX_CAMPAIGNS_PER_NUMBER
                && !campaigns.contains(event.campaignId())) {
            joined = event.campaignId();
            campaigns.add(joined);
        }
        int flagged = 0;
        Long changeMinute = null;
        if (event.score() != null && (checkedAt == null || event.checkedAt().isAfter(checkedAt))) {
            boolean change = score == null ? event.score() == 1 : !score.equals(event.score());
            flagged = (isFlagged(event.score()) ? 1 : 0) - (isFlagged(score) ? 1 : 0);
            changeMinute = change ? event.checkedAt().getEpochSecond() / 60 : null;
            score = event.score();
            checkedAt = event.checkedAt();
        }
        // One delta per campaign and event: a campaign the number just joined counts it as it is now.
        for (String campaign : campaigns) {
            boolean joins = campaign.equals(joined);
            int flaggedDelta = joins ? (isFlagged(score) ? 1 : 0) : flagged;
            if (joins || flaggedDelta != 0 || changeMinute != null) {
                forward(record, campaign, new CampaignDelta(joins ? 1 : 0, flaggedDelta, changeMinute));
            }
        }
        State next = new State(score, checkedAt, campaigns);
        if (!next.equals(state)) {
            numbers.put(record.key(), next);
        }
    }

    private void forward(Record<String, NumberEvent> record, String campaign, CampaignDelta delta) {
        context.forward(record.withKey(campaign).withValue(delta));
    }

    private static boolean isFlagged(Integer score) {
        return score != null && score == 1;
    }
}
