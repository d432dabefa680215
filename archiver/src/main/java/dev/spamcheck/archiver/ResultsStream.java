package dev.spamcheck.archiver;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;

import dev.spamcheck.schemas.topic.Topics;

/**
 * The archiver's Kafka Streams application, configured by {@code spring.kafka.streams.*} in
 * {@code archiver.yml} (exactly-once v2), and its one source of lookup results, which the
 * reputation-changes and campaign-health topologies share: a topic may feed a Streams
 * application only once.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
public class ResultsStream {

    @Bean
    KStream<String, String> lookupResults(StreamsBuilder builder) {
        return of(builder);
    }

    /** The results topic as a stream of {@code builder} (also for topology tests). */
    public static KStream<String, String> of(StreamsBuilder builder) {
        return builder.stream(Topics.LOOKUP_RESULTS, Consumed.with(Serdes.String(), Serdes.String()));
    }
}
