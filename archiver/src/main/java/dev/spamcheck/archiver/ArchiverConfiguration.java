package dev.spamcheck.archiver;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.EnableScheduling;

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
