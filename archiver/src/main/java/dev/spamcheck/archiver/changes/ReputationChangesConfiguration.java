package dev.spamcheck.archiver.changes;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.spamcheck.schemas.topic.MessageCodec;

/** Runs the reputation-changes topology in the archiver's Streams application ({@code ResultsStream}). */
@Configuration(proxyBeanMethods = false)
class ReputationChangesConfiguration {

    @Bean
    KStream<String, String> reputationChanges(StreamsBuilder builder,
            @Qualifier("lookupResults") KStream<String, String> lookupResults, MessageCodec codec) {
        return ReputationChangesTopology.define(builder, lookupResults, codec);
    }
}
