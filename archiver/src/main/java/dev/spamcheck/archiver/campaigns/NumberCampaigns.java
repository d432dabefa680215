package dev.spamcheck.archiver.campaigns;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.schemas.topic.MessageCodec;

/**
 * Per number (keyed by hash): its latest score and the campaigns it was answered for (the store
 * {@value #STORE}). Turns each {@link NumberEvent} into {@link CampaignDelta}s keyed by campaign:
 * a campaign gains the number once; a newer score that differs moves every one of its campaigns'
 * flagged count and, being a reputation change (the same rule as the changes processor: a first
 * answer only when flagged), their change count; a purge takes the number out of them all.
 */
final class NumberCampaigns implements Processor<String, String, String, String> {

    static final String STORE = "campaign-numbers";
    private static final Logger log = LoggerFactory.getLogger(NumberCampaigns.class);

    private final MessageCodec codec;
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, String> numbers;

    NumberCampaigns(MessageCodec codec) {
        this.codec = codec;
    }

    record State(@JsonProperty("score") Integer score, @JsonProperty("checked_at") Instant checkedAt,
            @JsonProperty("campaigns") List<String> campaigns) {
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
        this.context = context;
        this.numbers = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        NumberEvent event;
        try {
            event = codec.decode(record.value(), NumberEvent.class);
        }
        catch (RuntimeException unreadable) {
            log.error("Skipping an unreadable number event: {}", unreadable.getClass().getSimpleName());
            return;
        }
        String stored = numbers.get(record.key());
        State state = stored == null ? new State(null, null, List.of()) : codec.decode(stored, State.class);
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
        if (event.campaignId() != null && !campaigns.contains(event.campaignId())) {
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
            numbers.put(record.key(), codec.encode(next));
        }
    }

    private void forward(Record<String, String> record, String campaign, CampaignDelta delta) {
        context.forward(record.withKey(campaign).withValue(codec.encode(delta)));
    }

    private static boolean isFlagged(Integer score) {
        return score != null && score == 1;
    }
}
