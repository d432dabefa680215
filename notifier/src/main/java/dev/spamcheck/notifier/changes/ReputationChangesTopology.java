package dev.spamcheck.notifier.changes;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

/**
 * {@link Topics#LOOKUP_RESULTS} to {@link Topics#REPUTATION_CHANGES}, through each number's last
 * definitive score ({@link ChangeDetector}). The store and the output share the input's key, so a
 * number's results and changes stay on one partition, in order.
 */
final class ReputationChangesTopology {

    private ReputationChangesTopology() {
    }

    /** Adds the topology to {@code builder}; returns the stream of changes. */
    static KStream<String, ReputationChange> define(StreamsBuilder builder, KStream<String, LookupResult> results) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ChangeDetector.STORE),
                Serdes.String(), LastScore.serde()));
        KStream<String, ReputationChange> changes = results.processValues(ChangeDetector::new, ChangeDetector.STORE);
        changes.to(Topics.REPUTATION_CHANGES.name(),
                Produced.with(Topics.REPUTATION_CHANGES.keySerde(), Topics.REPUTATION_CHANGES.valueSerde()));
        return changes;
    }
}
