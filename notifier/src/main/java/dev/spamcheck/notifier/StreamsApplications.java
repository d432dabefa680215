package dev.spamcheck.notifier;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import dev.spamcheck.schemas.kafka.DeadLetterDeserializationHandler;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topic;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The notifier's Kafka Streams applications, configured by {@code spring.kafka.streams.*} in
 * {@code notifier.yml} (exactly-once v2, one RocksDB budget), with the dead-letter policy for
 * records they cannot read. The default one finds reputation changes; campaign health is an
 * application of its own, so that adding it to a running system reads every result from the start
 * instead of from the default application's offsets. Their ids are those they had in the archiver,
 * so moving them kept their offsets and state.
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
public class StreamsApplications {

    /**
     * Spring Boot's own streams settings (with what its connection details add: the brokers, the
     * security protocol and the {@code spring.kafka.ssl.bundle}), and unreadable records moved to
     * their dead-letter topics. Added to Boot's bean rather than built anew, which would lose those.
     */
    @Bean
    static BeanPostProcessor deadLettersForStreams(ObjectProvider<MeterRegistry> meters) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                if (!(bean instanceof KafkaStreamsConfiguration defaults)
                        || !name.equals(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)) {
                    return bean;
                }
                Map<String, Object> config = new HashMap<>();
                defaults.asProperties().forEach((key, value) -> config.put(key.toString(), value));
                config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        DeadLetterDeserializationHandler.class);
                config.put(DeadLetterDeserializationHandler.METER_REGISTRY, meters.getObject());
                return new KafkaStreamsConfiguration(config);
            }
        };
    }

    /** A topic as a stream of {@code builder}, typed by its serdes (also for topology tests). */
    public static <V> KStream<String, V> stream(StreamsBuilder builder, Topic<String, V> topic) {
        return builder.stream(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()));
    }

    /** The results topic as a stream of {@code builder}. */
    public static KStream<String, LookupResult> lookupResults(StreamsBuilder builder) {
        return stream(builder, dev.spamcheck.schemas.topic.Topics.LOOKUP_RESULTS);
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
