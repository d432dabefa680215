package dev.spamcheck.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.TopicPartitionOffset;

/**
 * A listener container whose poll Kafka refuses (credentials or ACLs being rotated) goes on
 * polling and receives what arrives once Kafka lets it in, whether a factory built it or a service
 * did by hand.
 */
class ListenerRefusalsTest {

    private static final TopicPartition PARTITION = new TopicPartition("spamcheck.test", 0);

    private final ApplicationContextRunner services = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, SpamcheckAutoConfiguration.class))
            .withUserConfiguration(RefusingKafka.class)
            .withPropertyValues("spring.kafka.admin.auto-create=false",
                    "spamcheck.hash-key=" + SpamcheckAutoConfigurationTest.key(),
                    "spamcheck.encryption-keys=k1:" + SpamcheckAutoConfigurationTest.key());

    @Test
    void aContainerFromTheListenerFactoryOutlivesARefusedPoll() {
        services.run(context -> {
            ConcurrentKafkaListenerContainerFactory<?, ?> factory = context.getBean(
                    ConcurrentKafkaListenerContainerFactory.class);
            receivesAfterARefusal(factory.createContainer(new TopicPartitionOffset(PARTITION.topic(), 0)),
                    context.getBean(RefusingKafka.class));
        });
    }

    @Test
    void aContainerBuiltByHandOutlivesARefusedPoll() {
        services.run(context -> receivesAfterARefusal(context.getBean(KafkaMessageListenerContainer.class),
                context.getBean(RefusingKafka.class)));
    }

    @Test
    void bootsOwnSettingIsKept() {
        services.withPropertyValues("spring.kafka.listener.auth-exception-retry-interval=3s").run(context ->
                assertThat(context.getBean(ConcurrentKafkaListenerContainerFactory.class).getContainerProperties()
                        .getAuthExceptionRetryInterval()).isEqualTo(Duration.ofSeconds(3)));
    }

    private static void receivesAfterARefusal(AbstractMessageListenerContainer<?, ?> container, RefusingKafka kafka) {
        List<Object> received = new CopyOnWriteArrayList<>();
        container.getContainerProperties().setMessageListener((MessageListener<Object, Object>) record ->
                received.add(record.value()));
        // The first poll is refused. Where the container is set to poll again, sooner here than its
        // 10 s; where it is not, it stops, and the record added after the refusal never arrives.
        container.getContainerProperties().setAuthExceptionRetryInterval(
                container.getContainerProperties().getAuthExceptionRetryInterval() == null ? null
                        : Duration.ofMillis(100));
        container.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> kafka.polledOnce);
            kafka.consumer.schedulePollTask(() -> kafka.consumer.addRecord(
                    new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), 0, "key", "after the refusal")));
            await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty() || !container.isRunning());
            assertThat(received).containsExactly("after the refusal");
            assertThat(container.isRunning()).isTrue();
        }
        finally {
            container.stop();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RefusingKafka {

        final MockConsumer<Object, Object> consumer = new MockConsumer<>("earliest");
        volatile boolean polledOnce;

        RefusingKafka() {
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            consumer.setPollException(new TopicAuthorizationException(Set.of(PARTITION.topic())));
            consumer.schedulePollTask(() -> polledOnce = true);
        }

        @Bean
        ConsumerFactory<Object, Object> kafkaConsumerFactory() {
            return new ConsumerFactory<>() {
                @Override
                public Consumer<Object, Object> createConsumer(String groupId, String clientIdPrefix,
                        String clientIdSuffix, Properties properties) {
                    return consumer;
                }

                @Override
                public boolean isAutoCommit() {
                    return false;
                }

                @Override
                public Map<String, Object> getConfigurationProperties() {
                    return Map.of(ConsumerConfig.GROUP_ID_CONFIG, "spamcheck-test");
                }
            };
        }

        @Bean
        KafkaMessageListenerContainer<Object, Object> handBuilt(ConsumerFactory<Object, Object> consumers) {
            ContainerProperties properties = new ContainerProperties(
                    new TopicPartitionOffset(PARTITION.topic(), PARTITION.partition(), 0L));
            properties.setMessageListener((MessageListener<Object, Object>) record -> {
            });
            KafkaMessageListenerContainer<Object, Object> container = new KafkaMessageListenerContainer<>(consumers,
                    properties);
            container.setAutoStartup(false);
            return container;
        }
    }
}
