package dev.spamcheck.worker.prewarm;

import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;

import dev.spamcheck.worker.WorkerProperties;

@Configuration(proxyBeanMethods = false)
class PrewarmKafkaConfiguration {

    /**
     * Prewarm entries arrive a poll's worth at a time and are looked up in parallel; the listener
     * acknowledges each batch, or the part of it that is done.
     */
    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> prewarmBatchContainerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer configurer, ConsumerFactory<Object, Object> consumerFactory) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        configurer.configure(factory, consumerFactory);
        factory.setBatchListener(true);
        factory.setConcurrency(WorkerProperties.PREWARM_CONSUMERS);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.MANUAL);
        return factory;
    }
}
