package dev.spamcheck.gateway;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

@Configuration(proxyBeanMethods = false)
@EnableScheduling
class GatewayConfiguration {

    @Bean
    NumberProtection numberProtection(GatewayProperties properties) {
        return NumberProtection.fromSecrets(properties.hashKey(), properties.encryptionKeys());
    }

    @Bean
    PhoneNumberRules phoneNumberRules(GatewayProperties properties) {
        return new PhoneNumberRules(properties.allowedRegions());
    }

    @Bean
    MessageCodec messageCodec() {
        return new MessageCodec();
    }

    /**
     * Event loops of this application's own instead of Reactor Netty's global ones, so several
     * gateways can share a JVM (devstack, tests) and stopping one leaves the others serving.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }

    @Bean
    KafkaAdmin.NewTopics spamcheckTopics(GatewayProperties properties) {
        return new KafkaAdmin.NewTopics(Topics.definitions(properties.kafka().partitions())
                .toArray(org.apache.kafka.clients.admin.NewTopic[]::new));
    }
}
