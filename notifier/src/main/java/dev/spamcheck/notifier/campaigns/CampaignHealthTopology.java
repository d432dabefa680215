package dev.spamcheck.notifier.campaigns;

import java.util.List;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import dev.spamcheck.schemas.topic.CampaignHealth;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Lookup results and answered lookups' audit events to {@link Topics#CAMPAIGN_HEALTH}: the audit
 * events, read as {@link CampaignLookup}s, are re-keyed by number hash and pass with the results
 * through one repartition topic, so a number's events meet in {@link NumberCampaigns}; its deltas
 * are re-keyed by campaign and summed by {@link CampaignHealthAggregator}. Audit events count
 * because a cache hit publishes no result.
 */
final class CampaignHealthTopology {

    private CampaignHealthTopology() {
    }

    static KStream<String, CampaignHealth> define(StreamsBuilder builder, KStream<String, LookupResult> results) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NumberCampaigns.STORE),
                Serdes.String(), MessageCodec.serde(NumberCampaigns.State.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CampaignHealthAggregator.STORE), Serdes.String(),
                Topics.CAMPAIGN_HEALTH.valueSerde()));

        KStream<String, NumberEvent> fromResults = results
                .mapValues(result -> result == null ? NumberEvent.FORGET : NumberEvent.of(result))
                .filter((hash, event) -> hash != null && event != null);
        KStream<String, NumberEvent> fromLookups = builder.stream(Topics.AUDIT_EVENTS.name(),
                        Consumed.with(Topics.AUDIT_EVENTS.keySerde(), MessageCodec.serde(CampaignLookup.class)))
                .flatMap((requestId, lookup) -> {
                    NumberEvent event = lookup == null ? null : NumberEvent.of(lookup);
                    return event == null ? List.<KeyValue<String, NumberEvent>>of()
                            : List.of(KeyValue.pair(lookup.numberHash(), event));
                });

        // Results go through the repartition topic too, though already keyed by number: a number's
        // results and lookups then meet in one partition even where the results and audit topics have
        // different partition counts (an existing topic is never resized), which merging the results
        // straight in would not. The topic keeps its first name so a running application's records in it
        // are still read after an upgrade.
        KStream<String, CampaignHealth> health = fromResults.merge(fromLookups)
                .repartition(Repartitioned.with(Serdes.String(), MessageCodec.serde(NumberEvent.class))
                        .withName("campaign-lookups-by-number"))
                .process(NumberCampaigns::new, NumberCampaigns.STORE)
                .repartition(Repartitioned.with(Serdes.String(), MessageCodec.serde(CampaignDelta.class))
                        .withName("campaign-deltas"))
                .process(CampaignHealthAggregator::new, CampaignHealthAggregator.STORE);
        health.to(Topics.CAMPAIGN_HEALTH.name(),
                Produced.with(Topics.CAMPAIGN_HEALTH.keySerde(), Topics.CAMPAIGN_HEALTH.valueSerde()));
        return health;
    }
}
