package dev.spamcheck.archiver.nightly;

import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.schemas.kafka.DeadLetters;

@Configuration(proxyBeanMethods = false)
class NightlyKafkaConfiguration {

    /**
     * A trigger whose job fails is delivered again, backing off to
     * {@code spamcheck.nightly.retry-max-interval}, for as long as it keeps failing; its offset is
     * committed only when the job is done, so no failure leaves a date unfinished and forgotten.
     * The job itself logs and records each failure; an unreadable trigger goes to its dead-letter
     * topic.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> maintenanceTriggerContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumers,
            DeadLetters deadLetters, ArchiverProperties properties) {
        ArchiverProperties.Nightly nightly = properties.nightly();
        ExponentialBackOff untilDone = new ExponentialBackOff(nightly.retryInitialInterval().toMillis(), 2);
        untilDone.setMaxInterval(nightly.retryMaxInterval().toMillis());
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumers);
        factory.setCommonErrorHandler(deadLetters.errorHandler(untilDone));
        return factory;
    }
}
