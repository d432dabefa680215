package dev.spamcheck.archiver.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/** Moving the results topic's live records to the active key, on a partition that keeps its log. */
class LiveResultRecordsTest {

    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String KEY_B = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";
    private static final TopicPartition PARTITION = new TopicPartition(Topics.Names.LOOKUP_RESULTS, 0);

    private final NumberProtection oldKey = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);

    @Test
    void aNumberWrittenAgainWhileItsPartitionIsReadIsNotPutBackUnderItsOldRecord() {
        ProtectedNumber purged = oldKey.protect("+12125550101");
        ProtectedNumber kept = oldKey.protect("+12125550102");
        PartitionLog log = new PartitionLog();
        log.append(purged.hash(), result(purged));
        log.append(kept.hash(), result(kept));
        // The nightly purge tombstones the first number while the rotation reads the partition.
        log.onFirstPoll = () -> log.append(purged.hash(), null);
        MockProducer<String, Object> producer = producer();

        LiveResultRecords.Moved moved = new LiveResultRecords(new MockConsumerFactory<>(() -> log), sender(producer),
                rotated).moveToActiveKey(() -> {
                });

        assertThat(moved.republished()).isEqualTo(1);
        List<ProducerRecord<String, Object>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::key).containsExactly(kept.hash());
        assertThat(((LookupResult) sent.get(0).value()).numberCiphertext()).startsWith("v1.b.");
    }

    private static LookupResult result(ProtectedNumber number) {
        return new LookupResult(UUID.randomUUID().toString(), number.hash(), number.ciphertext(), number.last4(),
                LookupResult.Outcome.SCORED, 0, Instant.now(), null, false, LookupRequest.Origin.INTERACTIVE, null, null);
    }

    private static MockProducer<String, Object> producer() {
        Serializer<Object> json = (topic, value) -> value == null ? null
                : MessageCodec.encode(value).getBytes(StandardCharsets.UTF_8);
        return new MockProducer<>(true, null, new StringSerializer(), json) {
            @Override
            public void close(Duration timeout) {
            }
        };
    }

    private static TopicSender sender(MockProducer<String, Object> producer) {
        return new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)));
    }

    /**
     * One partition whose records stay, as a broker's log does: every poll returns what lies at
     * and after the position (a plain MockConsumer hands each record out once).
     */
    private static final class PartitionLog extends MockConsumer<Object, Object> {

        private final List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
        private Runnable onFirstPoll = () -> {
        };

        PartitionLog() {
            super("earliest");
            updatePartitions(PARTITION.topic(), List.of(new PartitionInfo(PARTITION.topic(), 0, Node.noNode(),
                    new Node[0], new Node[0])));
            updateBeginningOffsets(Map.of(PARTITION, 0L));
            updateEndOffsets(Map.of(PARTITION, 0L));
        }

        synchronized void append(String key, Object value) {
            records.add(new ConsumerRecord<>(PARTITION.topic(), 0, records.size(), key, value));
            updateEndOffsets(Map.of(PARTITION, (long) records.size()));
        }

        @Override
        public synchronized ConsumerRecords<Object, Object> poll(Duration timeout) {
            Runnable once = onFirstPoll;
            onFirstPoll = () -> {
            };
            long position = position(PARTITION);
            records.stream().filter(record -> record.offset() >= position).forEach(this::addRecord);
            ConsumerRecords<Object, Object> polled = super.poll(timeout);
            once.run();
            return polled;
        }
    }
}
