package dev.spamcheck.archiver.campaigns;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Lookup results and answered lookups' audit events to {@link Topics#CAMPAIGN_HEALTH}: the audit
 * events are re-keyed by number hash so a number's events meet its results in
 * {@link NumberCampaigns}; its deltas are re-keyed by campaign and summed by
 * {@link CampaignHealthAggregator}. Audit events count because a cache hit publishes no result.
 */
final class CampaignHealthTopology {

    private CampaignHealthTopology() {
    }

    static KStream<String, String> define(StreamsBuilder builder, KStream<String, String> results,
            MessageCodec codec) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NumberCampaigns.STORE),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(CampaignHealthAggregator.STORE), Serdes.String(), Serdes.String()));

        KStream<String, String> fromResults = results
                .mapValues(value -> value == null ? codec.encode(NumberEvent.FORGET) : fromResult(value, codec))
                .filter((hash, event) -> hash != null && event != null);
        KStream<String, String> fromLookups = builder.stream(Topics.AUDIT_EVENTS,
                        Consumed.with(Serdes.String(), Serdes.String()))
                .flatMap((requestId, value) -> {
                    AuditEvent audit = decode(value, AuditEvent.class, codec);
                    NumberEvent event = audit == null ? null : NumberEvent.of(audit);
                    return event == null ? java.util.List.<KeyValue<String, String>>of()
                            : java.util.List.of(KeyValue.pair(audit.numberHash(), codec.encode(event)));
                })
                .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("campaign-lookups-by-number"));

        KStream<String, String> health = fromResults.merge(fromLookups)
                .process(() -> new NumberCampaigns(codec), NumberCampaigns.STORE)
                .repartition(Repartitioned.with(Serdes.String(), Serdes.String()).withName("campaign-deltas"))
                .processValues(() -> new CampaignHealthAggregator(codec), CampaignHealthAggregator.STORE);
        health.to(Topics.CAMPAIGN_HEALTH, Produced.with(Serdes.String(), Serdes.String()));
        return health;
    }

    private static String fromResult(String value, MessageCodec codec) {
        LookupResult result = decode(value, LookupResult.class, codec);
        NumberEvent event = result == null ? null : NumberEvent.of(result);
        return event == null ? null : codec.encode(event);
    }

    /** Null for a record that cannot be read: one bad record must not stop the stream. */
    private static <T> T decode(String value, Class<T> type, MessageCodec codec) {
        if (value == null) {
            return null;
        }
        try {
            return codec.decode(value, type);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            return null;
        }
    }
}
