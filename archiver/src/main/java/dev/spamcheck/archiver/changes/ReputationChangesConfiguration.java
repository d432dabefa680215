package dev.spamcheck.archiver.changes;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;

import dev.spamcheck.schemas.topic.MessageCodec;

/**
 * Runs the reputation-changes topology with Spring Boot's Kafka Streams support, configured by
 * {@code spring.kafka.streams.*} in {@code archiver.yml} (exactly-once v2).
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class ReputationChangesConfiguration {

    @Bean
    KStream<String, String> reputationChanges(StreamsBuilder builder, MessageCodec codec) {
        return ReputationChangesTopology.define(builder, codec);
    }
}
