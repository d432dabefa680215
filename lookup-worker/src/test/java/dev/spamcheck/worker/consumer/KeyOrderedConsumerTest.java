package dev.spamcheck.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.kafka.support.serializer.SerializationUtils;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.Topic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The worker's consumer over a scripted Kafka consumer: one key's records one after the other and
 * in order, other keys meanwhile; an offset committed only once every record before it is done;
 * an unreadable record moved to the dead-letter topic without stopping its neighbours.
 */
class KeyOrderedConsumerTest {

    private static final Topic<String, String> TOPIC = new Topic<>("test.requests", String.class, String.class,
            Map.of(), false, Set.of(), null);
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC.name(), 0);

    private final MockConsumer<String, String> kafka = new MockConsumer<>("earliest");
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final MockProducer<Object, Object> producer = new MockProducer(true, null, new StringSerializer(),
            new ByteArraySerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private KeyOrderedConsumer<String> consumer;

    @AfterEach
    void stop() {
        holds.values().forEach(CountDownLatch::countDown);
        if (consumer != null) {
            consumer.stop();
        }
    }

    @Test
    void oneKeysRecordsRunInOrderWhileOtherKeysGoOnAndOffsetsWaitForTheSlowest() throws Exception {
        holds.put("a-0", new CountDownLatch(1));
        start();
        for (int i = 0; i < 3; i++) {
            add(offsetOf(i, 0), "a", "a-" + i);
            add(offsetOf(i, 1), "b", "b-" + i);
        }

        // a-0 is held: b's records all go by meanwhile, a's wait behind it.
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.containsAll(List.of("b-0", "b-1", "b-2")));
        assertThat(handled).doesNotContain("a-1", "a-2");
        assertThat(committed()).as("nothing past the record still running").hasValueSatisfying(
                offset -> assertThat(offset).isLessThanOrEqualTo(0L));

        holds.get("a-0").countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 6);
        assertThat(handled.stream().filter(value -> value.startsWith("a-")).toList())
                .containsExactly("a-0", "a-1", "a-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> committed().orElse(-1L) == 6L);
    }

    @Test
    void anUnreadableRecordGoesToItsDeadLetterTopicAndItsNeighboursAreHandled() throws Exception {
        start();
        add(0, "a", "a-0");
        // As ErrorHandlingDeserializer leaves a value it could not read: null, the failure in a header.
        RecordHeaders headers = new RecordHeaders();
        SerializationUtils.deserializationException(headers, "{not json".getBytes(StandardCharsets.UTF_8),
                new IllegalArgumentException("not json"), false);
        kafka.schedulePollTask(() -> kafka.addRecord(new ConsumerRecord<>(TOPIC.name(), 0, 1, 0L,
                TimestampType.CREATE_TIME, 0, 0, "a", null, headers, Optional.empty())));
        add(2, "a", "a-2");

        await().atMost(Duration.ofSeconds(10)).until(() -> handled.size() == 2);
        assertThat(handled).containsExactly("a-0", "a-2");
        await().atMost(Duration.ofSeconds(10)).until(() -> !producer.history().isEmpty());
        assertThat(producer.history()).singleElement().satisfies(dead -> {
            assertThat(dead.topic()).isEqualTo(TOPIC.deadLetterTopic());
            assertThat((byte[]) dead.value()).asString(StandardCharsets.UTF_8).isEqualTo("{not json");
        });
        assertThat(meters.get(DeadLetters.METRIC).tag("topic", TOPIC.name()).counter().count()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> committed().orElse(-1L) == 3L);
    }

    /** Interleaves two keys' records on the one partition. */
    private static int offsetOf(int index, int key) {
        return index * 2 + key;
    }

    private void add(long offset, String key, String value) {
        kafka.schedulePollTask(() -> kafka.addRecord(new ConsumerRecord<>(TOPIC.name(), 0, offset, key, value)));
    }

    private Optional<Long> committed() {
        var offsets = kafka.committed(Set.of(PARTITION));
        return Optional.ofNullable(offsets.get(PARTITION)).map(offset -> offset.offset());
    }

    @SuppressWarnings("unchecked")
    private void start() {
        kafka.schedulePollTask(() -> {
            kafka.rebalance(List.of(PARTITION));
            kafka.updateBeginningOffsets(Map.of(PARTITION, 0L));
            kafka.seek(PARTITION, 0);
        });
        ConsumerFactory<String, String> consumers = mock(ConsumerFactory.class);
        when(consumers.createConsumer(any(), any(), any(), any())).thenReturn(kafka);
        DeadLetters deadLetters = new DeadLetters(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)),
                meters);
        consumer = new KeyOrderedConsumer<>(consumers, TOPIC, "test-group", record -> {
            CountDownLatch hold = holds.get(record.value());
            if (hold != null) {
                try {
                    hold.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            handled.add(record.value());
        }, deadLetters, 4, true);
        consumer.start();
    }
}
