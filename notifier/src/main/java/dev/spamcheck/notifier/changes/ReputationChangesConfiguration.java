package dev.spamcheck.notifier.changes;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;

import dev.spamcheck.notifier.StreamsApplications;
import dev.spamcheck.schemas.topic.ReputationChange;

/** Runs the reputation-changes topology in the notifier's default Streams application. */
@Configuration(proxyBeanMethods = false)
class ReputationChangesConfiguration {

    @Bean
    KStream<String, ReputationChange> reputationChanges(
            @Qualifier(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_BUILDER_BEAN_NAME) StreamsBuilder builder) {
        return ReputationChangesTopology.define(builder, StreamsApplications.lookupResults(builder));
    }
}
