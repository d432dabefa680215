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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.Topic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The worker's consumer over a scripted Kafka consumer ({@link MockConsumer}): one key's records
 * one after the other and in order, other keys meanwhile; an offset committed only once every
 * record before it is done; an unreadable record (as {@link ErrorHandlingDeserializer} leaves it)
 * moved to the dead-letter topic without stopping its neighbours; a handler that throws does not
 * stop its key.
 */
class KeyOrderedConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Topic<String, String> TOPIC = new Topic<>("test.requests", String.class, String.class,
            Map.of(), false, Set.of(), null);
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC.name(), 0);

    /** The last offset the consumer committed per partition, kept past its close. */
    private final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();
    private final MockConsumer<String, String> kafka = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                OffsetCommitCallback callback) {
            super.commitAsync(offsets, callback);
            offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
        }
    };
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final MockProducer<Object, Object> producer = new MockProducer(true, null, new StringSerializer(),
            new ByteArraySerializer());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Values in the order their handling began, and ended. */
    private final List<String> started = new CopyOnWriteArrayList<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> runningByKey = new ConcurrentHashMap<>();
    private final AtomicInteger mostAtOnceForOneKey = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** Records done only when their future completes (their result not yet taken by Kafka). */
    private final Map<String, CompletableFuture<Void>> later = new ConcurrentHashMap<>();
    private KeyOrderedConsumer<String> consumer;

    @AfterEach
    void stop() {
        holds.values().forEach(CountDownLatch::countDown);
        if (consumer != null) {
            consumer.stop();
        }
    }

    @Test
    void oneKeysRecordsRunOneAtATimeInOrderWhileOtherKeysGoOn() {
        holds.put("a-0", new CountDownLatch(1));
        // b-2 is held too, until both have begun: otherwise b's records could all be done before
        // a-0's thread even starts it, and nothing would show that they ran beside it.
        holds.put("b-2", new CountDownLatch(1));
        start();
        for (int i = 0; i < 3; i++) {
            add(offsetOf(i, 0), "a", "a-" + i);
            add(offsetOf(i, 1), "b", "b-" + i);
        }

        // a-0 is held: b's records all go by meanwhile, a's later ones do not even begin.
        await().atMost(WAIT).until(() -> started.containsAll(List.of("a-0", "b-2")));
        holds.get("b-2").countDown();
        await().atMost(WAIT).until(() -> handled.containsAll(List.of("b-0", "b-1", "b-2")));
        assertThat(started).contains("a-0").doesNotContain("a-1", "a-2");
        assertThat(mostAtOnce.get()).as("b ran while a-0 was running").isGreaterThanOrEqualTo(2);

        holds.get("a-0").countDown();
        await().atMost(WAIT).until(() -> handled.size() == 6);
        assertThat(started.stream().filter(value -> value.startsWith("a-")).toList())
                .containsExactly("a-0", "a-1", "a-2");
        assertThat(started.stream().filter(value -> value.startsWith("b-")).toList())
                .containsExactly("b-0", "b-1", "b-2");
        assertThat(mostAtOnceForOneKey.get()).as("never two records of one key at once").isEqualTo(1);
    }

    @Test
    void manyRecordsOfFewKeysKeepEachKeysOrder() {
        start();
        int perKey = 200;
        for (int i = 0; i < perKey; i++) {
            for (int key = 0; key < 3; key++) {
                add(i * 3L + key, "k" + key, "k" + key + "-" + i);
            }
        }

        await().atMost(WAIT).until(() -> handled.size() == perKey * 3);
        for (int key = 0; key < 3; key++) {
            String prefix = "k" + key + "-";
            assertThat(handled.stream().filter(value -> value.startsWith(prefix))
                    .map(value -> Integer.parseInt(value.substring(prefix.length()))).toList())
                    .as("key k%d in offset order", key).isSorted().hasSize(perKey);
        }
        assertThat(mostAtOnceForOneKey.get()).isEqualTo(1);
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == perKey * 3L);
    }

    @Test
    void anOffsetIsCommittedOnlyOnceEveryRecordBeforeItIsDone() {
        holds.put("a-1", new CountDownLatch(1));
        start();
        for (int i = 0; i < 3; i++) {
            add(offsetOf(i, 0), "a", "a-" + i);
            add(offsetOf(i, 1), "b", "b-" + i);
        }

        // Done: a-0@0, b-0@1, b-1@3, b-2@5; a-1@2 is running, a-2@4 waits for it.
        await().atMost(WAIT).until(() -> handled.containsAll(List.of("a-0", "b-0", "b-1", "b-2")));
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 2L);
        assertThat(committed()).get()
                .as("nothing past the record still running, though later ones are done").isEqualTo(2L);
        assertThat(handled).doesNotContain("a-1", "a-2");

        holds.get("a-1").countDown();
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 6L);
        assertThat(handled).hasSize(6);
    }

    @Test
    void anUnreadableRecordGoesToItsDeadLetterTopicAndItsNeighboursAreHandled() {
        start();
        add(0, "a", "a-0");
        // What ErrorHandlingDeserializer hands over when the bytes cannot be read: a null value and
        // the failure in a header.
        RecordHeaders headers = new RecordHeaders();
        byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
        Deserializer<String> refusing = (topic, data) -> {
            throw new SerializationException("not a lookup request");
        };
        String value;
        try (ErrorHandlingDeserializer<String> deserializer = new ErrorHandlingDeserializer<>(refusing)) {
            value = deserializer.deserialize(TOPIC.name(), headers, junk);
        }
        assertThat(value).isNull();
        kafka.schedulePollTask(() -> kafka.addRecord(new ConsumerRecord<>(TOPIC.name(), 0, 1, 0L,
                TimestampType.CREATE_TIME, 0, junk.length, "a", value, headers, Optional.empty())));
        add(2, "a", "a-2");
        add(3, "b", "b-3");

        await().atMost(WAIT).until(() -> handled.size() == 3);
        assertThat(handled).as("the handler never sees the unreadable record").doesNotContainNull()
                .containsExactlyInAnyOrder("a-0", "a-2", "b-3");
        assertThat(started.stream().filter(v -> v.startsWith("a-")).toList()).containsExactly("a-0", "a-2");
        await().atMost(WAIT).until(() -> !producer.history().isEmpty());
        assertThat(producer.history()).singleElement().satisfies(dead -> {
            assertThat(dead.topic()).isEqualTo(TOPIC.deadLetterTopic());
            assertThat(dead.key()).isEqualTo("a");
            assertThat((byte[]) dead.value()).as("as it arrived").asString(StandardCharsets.UTF_8)
                    .isEqualTo("{not json");
        });
        assertThat(meters.get(DeadLetters.METRIC).tag("topic", TOPIC.name()).counter().count()).isEqualTo(1);
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 4L);
    }

    @Test
    void aDeadLetterKafkaRefusesDoesNotStopTheConsumer() {
        producer.sendException = new KafkaException("broker away");
        start();
        RecordHeaders headers = new RecordHeaders();
        byte[] junk = {1, 2, 3};
        try (ErrorHandlingDeserializer<String> deserializer = new ErrorHandlingDeserializer<>((topic, data) -> {
            throw new SerializationException("unreadable");
        })) {
            deserializer.deserialize(TOPIC.name(), headers, junk);
        }
        kafka.schedulePollTask(() -> kafka.addRecord(new ConsumerRecord<>(TOPIC.name(), 0, 0, 0L,
                TimestampType.CREATE_TIME, 0, junk.length, "a", null, headers, Optional.empty())));
        add(1, "a", "a-1");

        await().atMost(WAIT).until(() -> handled.contains("a-1"));
        assertThat(meters.find(DeadLetters.METRIC).counter()).as("not moved, so not counted as moved").isNull();
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 2L);
        assertThat(consumer.isRunning()).isTrue();
    }

    @Test
    void aRecordWhoseHandlerThrowsCountsAsDoneAndItsKeyGoesOn() {
        failing.add("a-0");
        start();
        add(0, "a", "a-0");
        add(1, "a", "a-1");

        await().atMost(WAIT).until(() -> handled.contains("a-1"));
        assertThat(started).containsExactly("a-0", "a-1");
        assertThat(handled).containsExactly("a-1");
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 2L);
        assertThat(consumer.isRunning()).isTrue();
    }

    @Test
    void stoppingCommitsWhatIsDoneAndLeavesTheRest() {
        holds.put("a-1", new CountDownLatch(1));
        start();
        add(0, "a", "a-0");
        add(1, "a", "a-1");
        await().atMost(WAIT).until(() -> handled.contains("a-0") && started.contains("a-1"));

        // a-1 finishes during the stop's grace period: its offset is committed on the way out.
        Thread release = new Thread(() -> {
            await().atMost(WAIT).until(() -> !consumer.isRunning());
            holds.get("a-1").countDown();
        });
        release.start();
        consumer.stop();

        assertThat(handled).containsExactly("a-0", "a-1");
        assertThat(committed()).contains(2L);
        assertThat(kafka.closed()).as("left the group").isTrue();
        assertThat(consumer.assignedPartitions()).isEmpty();
    }

    @Test
    void aRecordDoneLaterIsCommittedOnceDoneAndItsKeyWaitsForIt() {
        later.put("a-0", new CompletableFuture<>());
        start();
        add(0, "a", "a-0");
        add(1, "a", "a-1");
        add(2, "b", "b-2");
        await().atMost(WAIT).until(() -> handled.containsAll(List.of("a-0", "b-2")));
        assertThat(started).doesNotContain("a-1");
        // For the next rounds of polls and commits: nothing past a-0.
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> committed().orElse(0L) == 0L);

        later.get("a-0").complete(null);
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == 3L);
        assertThat(handled).contains("a-1");
    }

    @Test
    void recordsWaitingOnlyToBeDoneDoNotStopTheConsumerAtTheThreadsShare() {
        // 4 threads: the consumer pauses at 64 records pending; these hold no thread.
        int records = 100;
        for (int i = 0; i < records; i++) {
            later.put("k" + i + "-0", new CompletableFuture<>());
        }
        start();
        for (int i = 0; i < records; i++) {
            add(i, "k" + i, "k" + i + "-0");
        }

        await().atMost(WAIT).until(() -> handled.size() == records);
        assertThat(consumer.awaitingRecords()).isEqualTo(records);
        later.values().forEach(done -> done.complete(null));
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == records);
        assertThat(consumer.awaitingRecords()).isZero();
    }

    @Test
    void recordsWaitingOnlyToBeDoneStopTheConsumerAtFourTimesTheThreadsShare() {
        // 4 threads: it pauses at 256 records waiting to be done, or at 64 more in hand not yet
        // handled, checked after each poll (here of at most 10 records).
        kafka.setMaxPollRecords(10);
        int records = 400;
        for (int i = 0; i < records; i++) {
            later.put("k" + i + "-0", new CompletableFuture<>());
        }
        start();
        for (int i = 0; i < records; i++) {
            add(i, "k" + i, "k" + i + "-0");
        }

        await().atMost(WAIT).until(() -> consumer.awaitingRecords() >= 256);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !kafka.paused().isEmpty());
        assertThat(handled.size()).as("taken in before it paused").isLessThanOrEqualTo(256 + 64 + 10);

        for (int i = 0; i < 200; i++) {
            later.get("k" + i + "-0").complete(null);
        }
        await().atMost(WAIT).until(() -> handled.size() == records);
        later.values().forEach(done -> done.complete(null));
        await().atMost(WAIT).until(() -> committed().orElse(-1L) == records);
    }

    /** Interleaves two keys' records on the one partition. */
    private static long offsetOf(int index, int key) {
        return index * 2L + key;
    }

    private void add(long offset, String key, String value) {
        kafka.schedulePollTask(() -> kafka.addRecord(new ConsumerRecord<>(TOPIC.name(), 0, offset, key, value)));
    }

    private Optional<Long> committed() {
        return Optional.ofNullable(commits.get(PARTITION));
    }

    @Test
    void aConsumerThatFailsIsReplacedByANewOneAndItsRecordsAreHandled() {
        // Say the worker's permission to read the topic is refused while credentials are rotated.
        MockConsumer<String, String> refused = new MockConsumer<>("earliest");
        refused.setPollException(new TopicAuthorizationException(Set.of(TOPIC.name())));
        start(refused);
        add(0, "a", "a-0");

        await().atMost(WAIT).until(() -> handled.contains("a-0"));
        assertThat(refused.closed()).isTrue();
        await().atMost(WAIT).until(() -> committed().equals(Optional.of(1L)));
    }

    private void start() {
        start(null);
    }

    /** @param first a consumer the factory hands out before the scripted one, when not null */
    @SuppressWarnings("unchecked")
    private void start(MockConsumer<String, String> first) {
        kafka.schedulePollTask(() -> {
            kafka.rebalance(List.of(PARTITION));
            kafka.updateBeginningOffsets(Map.of(PARTITION, 0L));
            kafka.seek(PARTITION, 0);
        });
        ConsumerFactory<String, String> consumers = mock(ConsumerFactory.class);
        if (first == null) {
            when(consumers.createConsumer(any(), any(), any(), any())).thenReturn(kafka);
        }
        else {
            when(consumers.createConsumer(any(), any(), any(), any())).thenReturn(first, kafka);
        }
        DeadLetters deadLetters = new DeadLetters(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)),
                meters);
        consumer = new KeyOrderedConsumer<>(consumers, TOPIC, "test-group", this::handle, deadLetters, 4, null, true);
        consumer.start();
    }

    private CompletionStage<?> handle(ConsumerRecord<String, String> record) {
        AtomicInteger forKey = runningByKey.computeIfAbsent(record.key(), k -> new AtomicInteger());
        mostAtOnceForOneKey.accumulateAndGet(forKey.incrementAndGet(), Math::max);
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
        started.add(record.value());
        try {
            CountDownLatch hold = holds.get(record.value());
            if (hold != null) {
                try {
                    hold.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failing.contains(record.value())) {
                throw new IllegalStateException("handler failed");
            }
            handled.add(record.value());
            CompletableFuture<Void> done = later.get(record.value());
            return done == null ? KeyOrderedConsumer.RecordHandler.DONE : done;
        }
        finally {
            running.decrementAndGet();
            forKey.decrementAndGet();
        }
    }
}
