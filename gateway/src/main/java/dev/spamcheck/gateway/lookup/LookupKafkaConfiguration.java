package dev.spamcheck.gateway.lookup;

import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ContainerProperties.AckMode;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.kafka.support.TopicPartitionOffset.SeekPosition;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;

@Configuration(proxyBeanMethods = false)
class LookupKafkaConfiguration {

    /**
     * Every gateway reads every lookup result and failure: one consumer assigns itself all
     * partitions of both topics, from their ends, without a consumer group, so no rebalance can
     * ever move its position past a result; it never commits. Partitions added to a topic later are
     * read after a restart.
     * <p>
     * It starts before the web server (which {@link LookupResultsReadiness} holds back until it has
     * its positions and the answer view is warmed) and stops after it: on SIGTERM, requests already
     * waiting for a result must still get it while the graceful shutdown lets them finish. (A
     * listener container's default phase would stop it first, and every miss in flight would end in
     * a 503.)
     * <p>
     * An unreadable result goes to its dead-letter topic like any other (each gateway reads every
     * result, so each moves its own copy there).
     */
    @Bean
    KafkaMessageListenerContainer<String, LookupResult> lookupResultsContainer(
            ConsumerFactory<String, LookupResult> consumers, KafkaAdmin admin, LookupResultsListener listener,
            CommonErrorHandler errors) throws Exception {
        admin.initialize();
        ContainerProperties properties = new ContainerProperties(Stream.of(Topics.LOOKUP_RESULTS, Topics.LOOKUP_FAILURES)
                .map(topic -> topic.name())
                .flatMap(topic -> IntStream.range(0, admin.describeTopics(topic).get(topic).partitions().size())
                        .mapToObj(partition -> new TopicPartitionOffset(topic, partition, SeekPosition.END)))
                .toArray(TopicPartitionOffset[]::new));
        properties.setAckMode(AckMode.MANUAL);
        properties.setMessageListener(listener);
        properties.setPollTimeout(TimeUnit.SECONDS.toMillis(1));
        KafkaMessageListenerContainer<String, LookupResult> container = new KafkaMessageListenerContainer<>(consumers,
                properties);
        container.setCommonErrorHandler(errors);
        container.setBeanName("lookup-results");
        container.setPhase(LookupResultsReadiness.PHASE - 1);
        return container;
    }
}
