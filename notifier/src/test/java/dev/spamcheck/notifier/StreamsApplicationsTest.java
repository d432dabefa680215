package dev.spamcheck.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.streams.StreamsConfig;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.SslBundleSslEngineFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;

import dev.spamcheck.schemas.kafka.DeadLetterDeserializationHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The Streams applications connect as the rest of the service does, TLS bundle included. */
class StreamsApplicationsTest {

    private static final SslBundle BUNDLE = SslBundle.of(SslStoreBundle.NONE);

    @Test
    void theStreamsSettingsKeepWhatTheConnectionDetailsSayAndAddTheDeadLetterPolicy() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                .withUserConfiguration(StreamsApplications.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(KafkaConnectionDetails.class, () -> new KafkaConnectionDetails() {
                    @Override
                    public List<String> getBootstrapServers() {
                        return List.of("broker.example:9093");
                    }

                    @Override
                    public @Nullable SslBundle getSslBundle() {
                        return BUNDLE;
                    }

                    @Override
                    public @Nullable String getSecurityProtocol() {
                        return "SSL";
                    }
                })
                .withPropertyValues("spring.kafka.streams.application-id=spamcheck-test",
                        "spring.kafka.streams.auto-startup=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Properties config = context.getBean(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME,
                            KafkaStreamsConfiguration.class).asProperties();
                    assertThat(config.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG))
                            .isEqualTo(List.of("broker.example:9093"));
                    assertThat(config.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).isEqualTo("SSL");
                    assertThat(config.get(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG))
                            .isEqualTo(SslBundleSslEngineFactory.class);
                    assertThat(config.get(SslBundle.class.getName())).isSameAs(BUNDLE);
                    assertThat(config.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG))
                            .isEqualTo(DeadLetterDeserializationHandler.class);
                    assertThat(config.get(DeadLetterDeserializationHandler.METER_REGISTRY))
                            .isSameAs(context.getBean(MeterRegistry.class));
                });
    }
}
