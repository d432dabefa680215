package dev.spamcheck.archiver.archive;

import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.spamcheck.archiver.ArchiverProperties;

@Configuration(proxyBeanMethods = false)
class NightlyKafkaConfiguration {

    /**
     * A trigger whose job fails is delivered again, backing off to
     * {@code spamcheck.nightly.retry-max-interval}, for as long as it keeps failing; its offset is
     * committed only when the job is done, so no failure leaves a date unfinished and forgotten.
     * The job itself logs and records each failure.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> nightlyTriggerContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory,
            ArchiverProperties properties) {
        ArchiverProperties.Nightly nightly = properties.nightly();
        ExponentialBackOff untilDone = new ExponentialBackOff(nightly.retryInitialInterval().toMillis(), 2);
        untilDone.setMaxInterval(nightly.retryMaxInterval().toMillis());
        DefaultErrorHandler errors = new DefaultErrorHandler(untilDone);
        errors.setLogLevel(KafkaException.Level.DEBUG);
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumerFactory);
        factory.setCommonErrorHandler(errors);
        return factory;
    }
}
