package dev.spamcheck.archiver.audit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

@Configuration(proxyBeanMethods = false)
class AuditKafkaConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AuditKafkaConfiguration.class);

    /**
     * Audit events are stored a poll's worth at a time. An event that cannot be stored goes to
     * {@link Topics#AUDIT_EVENTS_DLT} at once, counted and logged, and the rest of its batch is
     * stored; any other failure (the database is away) retries the batch until it is stored,
     * backing off to once every 30 seconds, so no event is ever dropped.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> auditBatchContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory,
            KafkaTemplate<String, String> kafka, MeterRegistry meters) {
        Counter deadLetters = Counter.builder("spamcheck.audit.dead.letters")
                .description("Audit events moved to " + Topics.AUDIT_EVENTS_DLT + " because they could not be stored")
                .register(meters);
        DeadLetterPublishingRecoverer deadLetterTopic = new DeadLetterPublishingRecoverer(kafka,
                (record, ex) -> new TopicPartition(Topics.AUDIT_EVENTS_DLT, -1));
        // Exception messages can quote the rejected statement with its values: keep only class names.
        deadLetterTopic.excludeHeader(DeadLetterPublishingRecoverer.HeaderNames.HeadersToAdd.EX_MSG,
                DeadLetterPublishingRecoverer.HeaderNames.HeadersToAdd.EX_STACKTRACE);
        ExponentialBackOff untilStored = new ExponentialBackOff(500, 2);
        untilStored.setMaxInterval(30_000);
        DefaultErrorHandler errors = new DefaultErrorHandler((record, ex) -> {
            deadLetters.increment();
            log.warn("Audit event {} (offset {}) cannot be stored: {}; moved to {}", record.key(), record.offset(),
                    UnstorableAuditEvent.reason(ex), Topics.AUDIT_EVENTS_DLT);
            deadLetterTopic.accept(record, ex);
        }, untilStored);
        errors.addNotRetryableExceptions(UnstorableAuditEvent.class);
        // The container would log every re-seek after a dead letter as an ERROR; the line above says it.
        errors.setLogLevel(KafkaException.Level.DEBUG);
        errors.setRetryListeners(new RetryListener() {
            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int attempt) {
            }

            @Override
            public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int attempt) {
                log.warn("{} audit events could not be stored (attempt {}): {}; retrying", records.count(), attempt,
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
