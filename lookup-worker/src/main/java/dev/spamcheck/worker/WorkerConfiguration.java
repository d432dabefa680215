package dev.spamcheck.worker;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

@Configuration(proxyBeanMethods = false)
class WorkerConfiguration {

    @Bean
    NumberProtection numberProtection(WorkerProperties properties) {
        return NumberProtection.fromSecrets(properties.hashKey(), properties.encryptionKeys());
    }

    @Bean
    MessageCodec messageCodec() {
        return new MessageCodec();
    }

    @Bean
    KafkaAdmin.NewTopics spamcheckTopics(WorkerProperties properties) {
        return new KafkaAdmin.NewTopics(Topics.definitions(properties.kafka().partitions()).toArray(NewTopic[]::new));
    }
}
