package dev.spamcheck.schemas.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.kafka.config.AbstractKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.support.LoggingProducerListener;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.kafka.support.serializer.DelegatingByTopicDeserializer;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.kafka.DeclaredTopics;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Service;
import dev.spamcheck.schemas.topic.Topic;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every spamcheck service shares, wired once: the shared settings
 * ({@link SpamcheckProperties}), number protection and the number rules, the one JSON mapper,
 * typed (de)serialization of every topic with the dead-letter policy for unreadable records, the
 * one way to send, the topics the service uses, and Reactor Netty resources of the application's
 * own. Registered in {@code META-INF/spring/...AutoConfiguration.imports}, as Boot's own are; a
 * service declares a bean of the same type to replace one.
 */
@AutoConfiguration(beforeName = {
        // Its JsonMapper, ReactorResourceFactory and ProducerListener stand back for ours.
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
        "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
        "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration"})
@EnableConfigurationProperties(SpamcheckProperties.class)
public class SpamcheckAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    NumberProtection numberProtection(SpamcheckProperties properties) {
        return NumberProtection.fromSecrets(properties.hashKey(), properties.encryptionKeys());
    }

    @Bean
    @ConditionalOnMissingBean
    PhoneNumberRules phoneNumberRules(SpamcheckProperties properties) {
        return new PhoneNumberRules(properties.allowedRegions());
    }

    /** The one JSON mapper: HTTP bodies, JSON columns and topic messages alike. */
    @Bean
    @ConditionalOnMissingBean
    JsonMapper jsonMapper() {
        return MessageCodec.mapper();
    }

    /**
     * Event loops of the application's own instead of Reactor Netty's global ones, so several
     * services can share a JVM (devstack, tests) and stopping one leaves the others serving.
     */
    @Bean
    // Reactor Netty itself, not only spring-web's factory class: a service without it has no use for one.
    @ConditionalOnClass(name = "reactor.netty.resources.LoopResources")
    @ConditionalOnMissingBean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        // Netty's default waits 2 s for the loops to fall quiet. Only the services' HTTP servers
        // run on them, and the factory stops (lifecycle phase 0) after their graceful shutdown
        // has finished every request, so the wait only delayed every stop, and each test stack's.
        // (A connection accepted as the server stops is seen by no graceful shutdown; the gateway's
        // LateConnections ends it before the loops stop. A quiet period of 100 ms had let such late
        // requests be handled and audited as the loops stopped, their answers lost: see CHANGELOG.)
        factory.setShutdownQuietPeriod(Duration.ZERO);
        return factory;
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(KafkaTemplate.class)
    static class KafkaWiring {

        static final long AUTH_REFUSED_RETRY_SECONDS = 10;

        /**
         * The topics this service uses ({@code spring.application.name} says which service it is),
         * created when missing, all alike whichever service starts first; existing ones keep their
         * partitions ({@link DeclaredTopics}).
         */
        @Bean
        KafkaAdmin.NewTopics spamcheckTopics(SpamcheckProperties properties, Environment environment,
                ObjectProvider<KafkaAdmin> admin) {
            List<Topic<String, ?>> topics = Service.named(environment.getProperty("spring.application.name"))
                    .map(Topics::usedBy)
                    .orElse(List.of());
            KafkaAdmin kafkaAdmin = admin.getIfAvailable();
            // Where the admin creates nothing, asking Kafka which topics exist would only wait for it.
            boolean creates = environment.getProperty("spring.kafka.admin.auto-create", Boolean.class, true);
            return new KafkaAdmin.NewTopics(topics.isEmpty() || kafkaAdmin == null ? new NewTopic[0]
                    : DeclaredTopics.of(topics, properties.kafka().partitions(),
                            creates ? kafkaAdmin.getConfigurationProperties() : null));
        }

        /**
         * Existing topics are brought to the table's settings too, by every service for the topics it
         * declares, so a retention or segment change reaches a running cluster with the next
         * deployment. Boot sets this from {@code spring.kafka.admin.modify-topic-configs}; here it is
         * one setting for all services instead of one per service.
         */
        @Bean
        static BeanPostProcessor spamcheckTopicSettings() {
            return BeanCustomizer.of(KafkaAdmin.class, (admin, name) -> admin.setModifyTopicConfigs(true));
        }

        /**
         * Every listener container, whether built by a factory (Boot's or a service's own) or by
         * hand, keeps polling every {@value #AUTH_REFUSED_RETRY_SECONDS} s while Kafka refuses the
         * service's credentials or ACLs (a rotation, a mistake being mended). Spring Kafka's default
         * stops such a container for good while the service stays ready: a gateway that no longer
         * hears any result, an archiver that stores no audit event. Boot's
         * {@code spring.kafka.listener.auth-exception-retry-interval}, where set, is kept.
         */
        @Bean
        static BeanPostProcessor spamcheckListenersOutliveRefusals() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessBeforeInitialization(Object bean, String name) {
                    if (bean instanceof AbstractKafkaListenerContainerFactory<?, ?, ?> factory) {
                        retryRefusals(factory.getContainerProperties());
                    }
                    else if (bean instanceof AbstractMessageListenerContainer<?, ?> container) {
                        retryRefusals(container.getContainerProperties());
                    }
                    return bean;
                }
            };
        }

        private static void retryRefusals(ContainerProperties properties) {
            if (properties.getAuthExceptionRetryInterval() == null) {
                properties.setAuthExceptionRetryInterval(Duration.ofSeconds(AUTH_REFUSED_RETRY_SECONDS));
            }
        }

        /**
         * Values as each topic's type says: JSON of the topic's record, raw bytes for dead letters.
         * Keys are strings. A value that cannot be read arrives as null with the failure in a header
         * ({@link ErrorHandlingDeserializer}), for {@link DeadLetters} to move.
         */
        @Bean
        DefaultKafkaConsumerFactoryCustomizer spamcheckDeserializers() {
            return factory -> {
                @SuppressWarnings({"unchecked", "rawtypes"})
                DefaultKafkaConsumerFactory<Object, Object> consumers = (DefaultKafkaConsumerFactory<Object, Object>) factory;
                consumers.setKeyDeserializerSupplier(() -> (Deserializer) new StringDeserializer());
                consumers.setValueDeserializerSupplier(() -> {
                    Map<Pattern, Deserializer<?>> byTopic = new LinkedHashMap<>();
                    Topics.all().forEach(topic -> byTopic.put(Pattern.compile(Pattern.quote(topic.name())),
                            topic.valueSerde().deserializer()));
                    return new ErrorHandlingDeserializer<>(new DelegatingByTopicDeserializer(byTopic,
                            new ByteArrayDeserializer()));
                });
            };
        }

        /** Records as JSON, and dead letters as the raw bytes they arrived as. */
        @Bean
        DefaultKafkaProducerFactoryCustomizer spamcheckSerializers() {
            return factory -> {
                @SuppressWarnings({"unchecked", "rawtypes"})
                DefaultKafkaProducerFactory<Object, Object> producers = (DefaultKafkaProducerFactory<Object, Object>) factory;
                producers.setKeySerializerSupplier(() -> (Serializer) new StringSerializer());
                producers.setValueSerializerSupplier(() -> {
                    Map<Class<?>, Serializer<?>> byType = new LinkedHashMap<>();
                    byType.put(byte[].class, new ByteArraySerializer());
                    byType.put(Object.class, new JacksonJsonSerializer<>(MessageCodec.mapper()).noTypeInfo());
                    return new DelegatingByTypeSerializer(byType, true);
                });
            };
        }

        /**
         * A failed send logged with its topic and failure only. Spring Boot's listener would log the
         * record's key and the start of its value: a prewarm dead letter keeps the key its producer
         * gave it, which may be a phone number.
         */
        @Bean
        @ConditionalOnMissingBean
        ProducerListener<Object, Object> kafkaProducerListener() {
            LoggingProducerListener<Object, Object> listener = new LoggingProducerListener<>();
            listener.setIncludeContents(false);
            return listener;
        }

        @Bean
        @ConditionalOnMissingBean
        TopicSender topicSender(KafkaTemplate<String, Object> kafka) {
            return new TopicSender(kafka);
        }

        @Bean
        @ConditionalOnMissingBean
        DeadLetters deadLetters(KafkaTemplate<String, Object> kafka, ObjectProvider<MeterRegistry> meters) {
            return new DeadLetters(kafka, meters.getIfAvailable(SimpleMeterRegistry::new));
        }

        /**
         * Every listener container's error handler (Spring Boot applies it to its container
         * factory): a record that fails is retried until it succeeds, backing off to every 30 s; an
         * unreadable one goes to its dead-letter topic at once.
         */
        @Bean
        @ConditionalOnMissingBean
        CommonErrorHandler kafkaErrorHandler(DeadLetters deadLetters) {
            return deadLetters.errorHandler(DeadLetters.untilDone());
        }
    }
}
