package dev.spamcheck.archiver.webhooks;

import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

@Configuration(proxyBeanMethods = false)
class WebhookKafkaConfiguration {

    /**
     * A change that cannot be queued (the database is away) is retried until it is, backing off to
     * once every 30 seconds: a change is never dropped on the way to its subscribers.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> webhookFanOutContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory) {
        ExponentialBackOff untilQueued = new ExponentialBackOff(500, 2);
        untilQueued.setMaxInterval(30_000);
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumerFactory);
        factory.setCommonErrorHandler(new DefaultErrorHandler(untilQueued));
        return factory;
    }
}
