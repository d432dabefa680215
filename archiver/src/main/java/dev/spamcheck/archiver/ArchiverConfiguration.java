package dev.spamcheck.archiver;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ArchiverConfiguration {

    @Bean
    NumberProtection numberProtection(ArchiverProperties properties) {
        return NumberProtection.fromSecrets(properties.hashKey(), properties.encryptionKeys());
    }

    @Bean
    MessageCodec messageCodec() {
        return new MessageCodec();
    }

    @Bean
    KafkaAdmin.NewTopics spamcheckTopics(ArchiverProperties properties) {
        return new KafkaAdmin.NewTopics(Topics.definitions(properties.kafka().partitions()).toArray(NewTopic[]::new));
    }

    /**
     * For listeners that store each record: a record that cannot be stored (the database is away)
     * is retried until it is, backing off to once every 30 seconds, so none is ever dropped.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> untilStoredContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory) {
        ExponentialBackOff untilStored = new ExponentialBackOff(500, 2);
        untilStored.setMaxInterval(30_000);
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumerFactory);
        factory.setCommonErrorHandler(new DefaultErrorHandler(untilStored));
        return factory;
    }

    /**
     * Event loops of this application's own for the management server, so several services can
     * share a JVM (devstack, tests) and stopping one leaves the others running.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }
}
