package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;
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

    /** About 12 s in all. */
    private static final RetryPolicy UNTIL_KNOWN = untilKnown(Duration.ofMillis(50), Duration.ofSeconds(1));

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
            CommonErrorHandler errors, KafkaProperties kafka) throws Exception {
        // The topics before their partitions are asked about: the admin would create them only once
        // every bean is made. Not where the operator keeps the services from creating topics.
        if (kafka.getAdmin().isAutoCreate()) {
            admin.initialize();
        }
        ContainerProperties properties = new ContainerProperties(Stream.of(Topics.LOOKUP_RESULTS, Topics.LOOKUP_FAILURES)
                .map(topic -> topic.name())
                .flatMap(topic -> IntStream.range(0, partitionCount(admin, topic, UNTIL_KNOWN))
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

    /**
     * How many partitions a topic has, once Kafka says. The services start at once, each creating
     * the topics still missing, and a topic another one has just created can be unknown to the
     * broker asked for a moment: that must not end this gateway's start.
     */
    static int partitionCount(KafkaAdmin admin, String topic, RetryPolicy untilKnown) {
        try {
            return new RetryTemplate(untilKnown).execute(() -> admin.describeTopics(topic).get(topic).partitions().size());
        }
        catch (RetryException ex) {
            throw new IllegalStateException("Kafka did not say how many partitions " + topic + " has", ex.getCause());
        }
    }

    /** 16 tries, waiting {@code delay} after the first and twice as long after each next, up to {@code maxDelay}. */
    static RetryPolicy untilKnown(Duration delay, Duration maxDelay) {
        return RetryPolicy.builder()
                .predicate(ex -> NestedExceptionUtils.getMostSpecificCause(ex) instanceof UnknownTopicOrPartitionException)
                .delay(delay).multiplier(2).maxDelay(maxDelay).maxRetries(15).build();
    }
}
