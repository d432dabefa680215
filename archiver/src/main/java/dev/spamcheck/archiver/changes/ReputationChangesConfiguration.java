package dev.spamcheck.archiver.changes;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;

import dev.spamcheck.archiver.StreamsApplications;
import dev.spamcheck.schemas.topic.MessageCodec;

/** Runs the reputation-changes topology in the archiver's default Streams application. */
@Configuration(proxyBeanMethods = false)
class ReputationChangesConfiguration {

    @Bean
    KStream<String, String> reputationChanges(
            @Qualifier(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_BUILDER_BEAN_NAME) StreamsBuilder builder,
            MessageCodec codec) {
        return ReputationChangesTopology.define(builder, StreamsApplications.lookupResults(builder), codec);
    }
}
