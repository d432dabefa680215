package dev.spamcheck.archiver;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import dev.spamcheck.schemas.topic.Topics;

/**
 * The archiver's Kafka Streams applications, configured by {@code spring.kafka.streams.*} in
 * {@code archiver.yml} (exactly-once v2, one RocksDB budget). The default one finds reputation
 * changes; campaign health is an application of its own, so that adding it to a running system
 * reads every result from the start instead of from the default application's offsets.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
public class StreamsApplications {

    /** The results topic as a stream of {@code builder} (also for topology tests). */
    public static KStream<String, String> lookupResults(StreamsBuilder builder) {
        return builder.stream(Topics.LOOKUP_RESULTS, Consumed.with(Serdes.String(), Serdes.String()));
    }

    /**
     * Another application with the default one's settings and its own id, and so its own
     * offsets, state and internal topics.
     */
    public static StreamsBuilderFactoryBean another(KafkaStreamsConfiguration defaults, String applicationId) {
        Map<String, Object> config = new HashMap<>();
        defaults.asProperties().forEach((key, value) -> config.put(key.toString(), value));
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        return new StreamsBuilderFactoryBean(new KafkaStreamsConfiguration(config));
    }
}
