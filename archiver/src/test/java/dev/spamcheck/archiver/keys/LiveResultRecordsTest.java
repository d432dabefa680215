package dev.spamcheck.archiver.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockConsumerFactory;
import org.springframework.kafka.mock.MockProducerFactory;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupRequest.Origin;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * The results topic's live records moved to the active key, over one partition kept as a log the
 * rotation can read again from any offset and its producer appends to.
 */
class LiveResultRecordsTest {

    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String KEY_B = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";
    private static final TopicPartition PARTITION = new TopicPartition(Topics.Names.LOOKUP_RESULTS, 0);

    private final NumberProtection oldKey = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);
    private final Log log = new Log();
    /** Appended to the log just before the rotation's first record, as a worker's answer would be. */
    private final List<ProducerRecord<String, Object>> writtenMeanwhile = new ArrayList<>();
    private MockProducer<String, Object> producer;

    @Test
    void aNumberWrittenAgainWhileItsPartitionIsReadIsNotPutBackUnderItsOldRecord() {
        ProtectedNumber purged = oldKey.protect("+12125550105");
        ProtectedNumber kept = oldKey.protect("+12125550106");
        log.append(purged.hash(), answer("request-1", purged, 0, "2026-12-01T10:00:00Z"));
        log.append(kept.hash(), answer("request-2", kept, 0, "2026-12-01T10:00:00Z"));
        // The nightly purge tombstones the first number while the rotation reads the partition.
        log.onFirstPoll = () -> log.append(purged.hash(), null);

        LiveResultRecords.Moved moved = records().moveToActiveKey(() -> { });

        assertThat(moved.republished()).isEqualTo(1);
        assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly(kept.hash());
        assertThat(((LookupResult) producer.history().get(0).value()).numberCiphertext()).startsWith("v1.b.");
        assertThat(log.latest(purged.hash())).as("still purged").isNull();
    }

    @Test
    void anAnswerWrittenWhileTheRotationRepublishesIsPublishedAgainAfterTheRotationsOldOne() {
        ProtectedNumber flagged = oldKey.protect("+12125550101");
        ProtectedNumber other = oldKey.protect("+12125550102");
        log.append(flagged.hash(), answer("request-1", flagged, 0, "2026-12-01T10:00:00Z"));
        log.append(other.hash(), answer("request-2", other, 0, "2026-12-01T11:00:00Z"));
        // The number turns while the rotation republishes: a worker's fresh answer, under the new key.
        LookupResult fresh = answer("request-3", rotated.protect("+12125550101"), 1, "2026-12-07T10:00:00Z");
        writtenMeanwhile.add(new ProducerRecord<>(Topics.Names.LOOKUP_RESULTS, flagged.hash(), fresh));

        LiveResultRecords.Moved moved = records().moveToActiveKey(() -> { });

        assertThat(moved.republished()).isEqualTo(2);
        assertThat(moved.unreadable()).isZero();
        assertThat(log.latest(flagged.hash())).as("the fresh answer stays the live one").isEqualTo(fresh);
        LookupResult moved2 = (LookupResult) log.latest(other.hash());
        assertThat(moved2.requestId()).isEqualTo("request-2");
        assertThat(NumberProtection.keyIdOf(moved2.numberCiphertext())).isEqualTo("b");
    }

    @Test
    void withNothingWrittenMeanwhileEachLiveRecordIsPublishedOnceUnderTheActiveKey() {
        ProtectedNumber number = oldKey.protect("+12125550103");
        log.append(number.hash(), answer("request-1", number, 0, "2026-12-01T10:00:00Z"));
        ProtectedNumber current = rotated.protect("+12125550104");
        log.append(current.hash(), answer("request-2", current, 1, "2026-12-01T10:00:00Z"));

        LiveResultRecords.Moved moved = records().moveToActiveKey(() -> { });

        assertThat(moved.republished()).isEqualTo(1);
        assertThat(log.size()).as("two records and the one moved").isEqualTo(3);
        LookupResult latest = (LookupResult) log.latest(number.hash());
        assertThat(latest.requestId()).isEqualTo("request-1");
        assertThat(rotated.decrypt(latest.numberCiphertext(), number.hash())).isEqualTo("+12125550103");
        assertThat(NumberProtection.keyIdOf(latest.numberCiphertext())).isEqualTo("b");
    }

    @Test
    void aFailureKeyedByTheNumberAloneIsMovedNotTombstonedWhichWouldLookLikeAPurge() {
        // Written before failures had a key of their own: compaction kept it as the number's record.
        ProtectedNumber number = oldKey.protect("+12125550107");
        LookupResult failure = new LookupResult("request-1", number.hash(), number.ciphertext(), number.last4(),
                Outcome.UNAVAILABLE, null, Instant.parse("2026-11-20T10:00:00Z"), "twilio_http_500", false,
                Origin.INTERACTIVE, null);
        log.append(number.hash(), failure);

        LiveResultRecords.Moved moved = records().moveToActiveKey(() -> { });

        assertThat(moved.republished()).isEqualTo(1);
        LookupResult latest = (LookupResult) log.latest(number.hash());
        assertThat(latest).as("not a tombstone").isNotNull();
        assertThat(latest.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(NumberProtection.keyIdOf(latest.numberCiphertext())).isEqualTo("b");
    }

    @Test
    void aRotationStoppedHalfWayLetsKafkaTakeWhatItSentBeforeItGivesUpItsLock() throws Exception {
        ProtectedNumber first = oldKey.protect("+12125550108");
        ProtectedNumber second = oldKey.protect("+12125550109");
        log.append(first.hash(), answer("request-1", first, 0, "2026-12-01T10:00:00Z"));
        log.append(second.hash(), answer("request-2", second, 0, "2026-12-01T10:00:00Z"));
        log.perPoll = 1;
        LiveResultRecords records = records(false);
        // Stopped (the archiver shutting down) once the first record is on its way to Kafka.
        Runnable stopCheck = () -> {
            if (!producer.history().isEmpty()) {
                throw new IllegalStateException("stopping");
            }
        };
        ExecutorService rotation = Executors.newSingleThreadExecutor();
        try {
            Future<LiveResultRecords.Moved> moving = rotation.submit(() -> records.moveToActiveKey(stopCheck));

            await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 1);
            // Returning now would let a purge take the lock while the record is still in the
            // producer, to land after the purge's tombstone and bring the number back.
            await("the stopped rotation waiting for Kafka").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> !moving.isDone());
            producer.completeNext();

            assertThatThrownBy(() -> moving.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("stopping");
            assertThat(producer.history()).as("nothing sent after the stop").hasSize(1);
        }
        finally {
            rotation.shutdownNow();
        }
    }

    private LiveResultRecords records() {
        return records(true);
    }

    private LiveResultRecords records(boolean acknowledgeAtOnce) {
        Serializer<Object> json = (topic, value) -> value == null ? null
                : MessageCodec.encode(value).getBytes(StandardCharsets.UTF_8);
        producer = new MockProducer<>(acknowledgeAtOnce, null, new StringSerializer(), json) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<String, Object> record, Callback callback) {
                writtenMeanwhile.forEach(meanwhile -> log.append(meanwhile.key(), meanwhile.value()));
                writtenMeanwhile.clear();
                log.append(record.key(), record.value());
                return super.send(record, callback);
            }

            @Override
            public void close(Duration timeout) {
            }
        };
        TopicSender kafka = new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)));
        return new LiveResultRecords(new MockConsumerFactory<>(() -> log), kafka, rotated);
    }

    private static LookupResult answer(String requestId, ProtectedNumber number, int score, String checkedAt) {
        return new LookupResult(requestId, number.hash(), number.ciphertext(), number.last4(), Outcome.SCORED, score,
                Instant.parse(checkedAt), null, false, Origin.INTERACTIVE, null);
    }

    /** One partition as a log: read from wherever the consumer is, to its end. */
    private static final class Log extends MockConsumer<Object, Object> {

        private final List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
        /** Runs as the partition is first polled, once. */
        Runnable onFirstPoll = () -> { };
        /** At most this many records per poll. */
        int perPoll = Integer.MAX_VALUE;

        Log() {
            super("earliest");
            updatePartitions(Topics.Names.LOOKUP_RESULTS, List.of(new PartitionInfo(Topics.Names.LOOKUP_RESULTS, 0,
                    Node.noNode(), new Node[0], new Node[0])));
            updateBeginningOffsets(Map.of(PARTITION, 0L));
        }

        synchronized void append(String key, Object value) {
            records.add(new ConsumerRecord<>(PARTITION.topic(), 0, records.size(), key, value));
        }

        synchronized int size() {
            return records.size();
        }

        synchronized Object latest(String key) {
            Object latest = null;
            for (ConsumerRecord<Object, Object> record : records) {
                if (key.equals(record.key())) {
                    latest = record.value();
                }
            }
            return latest;
        }

        @Override
        public synchronized ConsumerRecords<Object, Object> poll(Duration timeout) {
            Runnable first = onFirstPoll;
            onFirstPoll = () -> { };
            first.run();
            int from = (int) position(PARTITION);
            if (from >= records.size()) {
                return ConsumerRecords.empty();
            }
            int to = (int) Math.min(records.size(), (long) from + perPoll);
            List<ConsumerRecord<Object, Object>> batch = List.copyOf(records.subList(from, to));
            seek(PARTITION, to);
            return new ConsumerRecords<>(Map.of(PARTITION, batch), Map.of(PARTITION, new OffsetAndMetadata(to)));
        }

        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            return Map.of(PARTITION, (long) records.size());
        }
    }
}
