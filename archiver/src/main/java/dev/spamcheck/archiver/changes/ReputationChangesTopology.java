package dev.spamcheck.archiver.changes;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

import dev.spamcheck.schemas.topic.MessageCodec;
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
    static KStream<String, String> define(StreamsBuilder builder, KStream<String, String> results,
            MessageCodec codec) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ChangeDetector.STORE),
                Serdes.String(), Serdes.String()));
        KStream<String, String> changes = results.processValues(() -> new ChangeDetector(codec), ChangeDetector.STORE);
        changes.to(Topics.REPUTATION_CHANGES, Produced.with(Serdes.String(), Serdes.String()));
        return changes;
    }
}
