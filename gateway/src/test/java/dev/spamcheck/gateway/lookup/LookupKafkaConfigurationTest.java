package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;

import dev.spamcheck.schemas.topic.LookupResult;

/** What a gateway makes of Kafka's answers about the result topics as it starts. */
class LookupKafkaConfigurationTest {

    /** The gateway's policy with shorter waits. */
    private static final RetryPolicy FAST = LookupKafkaConfiguration.untilKnown(Duration.ofMillis(1), Duration.ofMillis(2));

    @Test
    void aTopicAnotherServiceHasJustCreatedIsAwaitedUntilKafkaKnowsIt() {
        Admin admin = new Admin(3, new UnknownTopicOrPartitionException("This server does not host this topic-partition."));

        assertThat(LookupKafkaConfiguration.partitionCount(admin, "spamcheck.lookup.results", FAST)).isEqualTo(12);
        assertThat(admin.asked).hasValue(4);
    }

    @Test
    void aTopicThatNeverAppearsEndsTheStartNamingIt() {
        Admin admin = new Admin(Integer.MAX_VALUE, new UnknownTopicOrPartitionException("unknown"));

        assertThatThrownBy(() -> LookupKafkaConfiguration.partitionCount(admin, "spamcheck.lookup.results", FAST))
                .hasMessageContaining("spamcheck.lookup.results")
                .rootCause().isInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(admin.asked).hasValue(16);
    }

    @Test
    void anyOtherRefusalEndsTheStartAtOnce() {
        Admin admin = new Admin(1, new AuthorizationException("not allowed"));

        assertThatThrownBy(() -> LookupKafkaConfiguration.partitionCount(admin, "spamcheck.lookup.results", FAST))
                .rootCause().isInstanceOf(AuthorizationException.class);
        assertThat(admin.asked).hasValue(1);
    }

    /**
     * With {@code spring.kafka.admin.auto-create=false} the operator keeps the topics: the gateway
     * neither creates them nor adds partitions to them.
     */
    @Test
    void whereTheServicesCreateNoTopicsTheGatewayCreatesNoneEither() throws Exception {
        KafkaProperties kafka = new KafkaProperties();
        kafka.getAdmin().setAutoCreate(false);
        Admin admin = new Admin(0, null);

        KafkaMessageListenerContainer<String, LookupResult> container = new LookupKafkaConfiguration()
                .lookupResultsContainer(new DefaultKafkaConsumerFactory<>(Map.of()), admin,
                        mock(LookupResultsListener.class), new DefaultErrorHandler(), kafka);

        assertThat(admin.declaring).as("topics declared to Kafka").hasValue(0);
        assertThat(container.getContainerProperties().getTopicPartitions()).as("every partition of both topics")
                .hasSize(24);
    }

    /** By default the gateway declares the topics before it asks how many partitions they have. */
    @Test
    void byDefaultTheGatewayDeclaresTheTopicsFirst() throws Exception {
        Admin admin = new Admin(0, null);

        new LookupKafkaConfiguration().lookupResultsContainer(new DefaultKafkaConsumerFactory<>(Map.of()), admin,
                mock(LookupResultsListener.class), new DefaultErrorHandler(), new KafkaProperties());

        assertThat(admin.declaring).hasValue(1);
    }

    /** Refuses the first {@code refusals} descriptions as Spring Kafka reports them, then has 12 partitions. */
    private static final class Admin extends KafkaAdmin {

        private final int refusals;
        private final Exception refusal;
        final AtomicInteger asked = new AtomicInteger();
        /** How often the admin began to create or modify the declared topics ({@code initialize}). */
        final AtomicInteger declaring = new AtomicInteger();

        Admin(int refusals, Exception refusal) {
            super(Map.of());
            this.refusals = refusals;
            this.refusal = refusal;
        }

        @Override
        protected Collection<NewTopic> newTopics() {
            declaring.incrementAndGet();
            return List.of();
        }

        @Override
        public Map<String, TopicDescription> describeTopics(String... topicNames) {
            if (asked.incrementAndGet() <= refusals) {
                throw new KafkaException("Failed to obtain topic descriptions", new ExecutionException(refusal));
            }
            Node broker = new Node(0, "localhost", 9092);
            return Map.of(topicNames[0], new TopicDescription(topicNames[0], false, IntStream.range(0, 12)
                    .mapToObj(partition -> new TopicPartitionInfo(partition, broker, List.of(broker), List.of(broker)))
                    .toList()));
        }
    }
}
