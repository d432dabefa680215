package dev.spamcheck.archiver.audit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;

import dev.spamcheck.schemas.kafka.DeadLetters;

@Configuration(proxyBeanMethods = false)
class AuditKafkaConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AuditKafkaConfiguration.class);

    /**
     * Audit events are stored a poll's worth at a time. An event that cannot be stored
     * (unreadable, or refused by PostgreSQL) goes to its dead-letter topic at once by the shared
     * policy, and the rest of its batch is stored; any other failure (the database is away) retries
     * the batch until it is stored, so no event is ever dropped.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> auditBatchContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory,
            DeadLetters deadLetters) {
        DefaultErrorHandler errors = deadLetters.errorHandler(DeadLetters.untilDone(), UnstorableAuditEvent.class);
        errors.setRetryListeners(new RetryListener() {
            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int attempt) {
            }

            // Called for every failed batch, also one whose only failure is an event that goes to its
            // dead-letter topic (logged there) while the rest is stored: that is no outage to report.
            // No attempt number: Spring Kafka's batch retries pass 1 on every attempt.
            @Override
            public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int attempt) {
                if (UnstorableAuditEvent.deadLettered(ex)) {
                    return;
                }
                log.warn("{} audit events could not be stored: {}; retrying", records.count(),
                        UnstorableAuditEvent.reason(ex));
            }
        });
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumerFactory);
        factory.setBatchListener(true);
        factory.setCommonErrorHandler(errors);
        return factory;
    }
}
