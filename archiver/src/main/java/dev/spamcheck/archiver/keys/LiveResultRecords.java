package dev.spamcheck.archiver.keys;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Moves the live records of the compacted results topic to the active key.
 * A record is live while it is the latest under its key (compaction keeps only that one). A live
 * result under another key is published again, the same result with its number re-encrypted, so
 * compaction drops the old one; a live failure (written there before failures had a topic of
 * their own) is tombstoned instead. Republished results keep their {@code checked_at}, so replay
 * and gateways treat them as the old answers they are. What is written while a partition is read
 * (a newer answer, a purge's tombstone) counts as the key's latest record; one written in the moment
 * between that look and the republishing is the window left. One partition at a time: memory holds, per
 * partition, the keys and offsets of the live records still to move.
 */
@Component
class LiveResultRecords {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final int ACK_BATCH = 500;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

    private final ConsumerFactory<Object, Object> consumers;
    private final TopicSender kafka;
    private final NumberProtection protection;

    LiveResultRecords(ConsumerFactory<Object, Object> consumers, TopicSender kafka, NumberProtection protection) {
        this.consumers = consumers;
        this.kafka = kafka;
        this.protection = protection;
    }

    /** @param republished records moved to the active key; @param unreadable live records no configured key reads */
    record Moved(long republished, long unreadable) {
    }

    Moved moveToActiveKey(Runnable stopCheck) {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long republished = 0;
        long unreadable = 0;
        try (org.apache.kafka.clients.consumer.Consumer<Object, Object> consumer = consumers.createConsumer(null,
                "spamcheck-key-rotation", null, overrides)) {
            for (PartitionInfo info : consumer.partitionsFor(Topics.LOOKUP_RESULTS.name())) {
                TopicPartition partition = new TopicPartition(Topics.LOOKUP_RESULTS.name(), info.partition());
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                Map<String, Long> toMove = new HashMap<>();
                Consumer<ConsumerRecord<Object, Object>> latest = record -> {
                    if (needsMoving(record)) {
                        toMove.put(key(record), record.offset());
                    }
                    else {
                        toMove.remove(key(record));
                    }
                };
                read(consumer, partition, end, stopCheck, latest);
                // And what was written meanwhile (a newer answer, a purge's tombstone), judged alike:
                // republishing an old record over what replaced it would bring it back.
                consumer.seek(partition, end);
                read(consumer, partition, consumer.endOffsets(List.of(partition)).get(partition), stopCheck, latest);
                if (toMove.isEmpty()) {
                    continue;
                }
                Set<Long> offsets = new HashSet<>(toMove.values());
                consumer.seek(partition, Collections.min(offsets));
                TopicSender.Sends sends = kafka.sends();
                long[] counts = new long[2];
                try {
                    read(consumer, partition, Collections.max(offsets) + 1, stopCheck, record -> {
                        if (offsets.contains(record.offset())) {
                            if (move(record, sends)) {
                                counts[0]++;
                            }
                            else {
                                counts[1]++;
                            }
                            if (sends.size() >= ACK_BATCH) {
                                sends.awaitAll(ACK_TIMEOUT);
                            }
                        }
                    });
                }
                catch (RuntimeException stoppedOrFailed) {
                    // What the producer holds goes out while the rotation still holds its lock: sent
                    // after a purge that took the lock next, it would bring a purged number back.
                    try {
                        sends.awaitAll(ACK_TIMEOUT);
                    }
                    catch (RuntimeException notTaken) {
                        stoppedOrFailed.addSuppressed(notTaken);
                    }
                    throw stoppedOrFailed;
                }
                sends.awaitAll(ACK_TIMEOUT);
                republished += counts[0];
                unreadable += counts[1];
            }
        }
        return new Moved(republished, unreadable);
    }

    /** Whether a record is a value this rotation has to move (any other record supersedes it). */
    private boolean needsMoving(ConsumerRecord<Object, Object> record) {
        LookupResult result = decode(record);
        if (result == null) {
            return false;
        }
        return !result.isDefinitive() || !protection.activeKeyId().equals(NumberProtection.keyIdOf(result.numberCiphertext()));
    }

    /** Publishes the record's replacement; false when no configured key can read its number. */
    private boolean move(ConsumerRecord<Object, Object> record, TopicSender.Sends sends) {
        LookupResult result = decode(record);
        if (!result.isDefinitive()) {
            sends.add(Topics.LOOKUP_RESULTS, key(record), null);
            return true;
        }
        String ciphertext;
        try {
            ciphertext = protection.reencrypt(result.numberCiphertext(), result.numberHash());
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
        sends.add(Topics.LOOKUP_RESULTS, key(record), result.withCiphertext(ciphertext));
        return true;
    }

    /** The result; null for a tombstone or a record no reader understands, which nothing replaces. */
    private static LookupResult decode(ConsumerRecord<Object, Object> record) {
        return (LookupResult) record.value();
    }

    private static String key(ConsumerRecord<Object, Object> record) {
        return (String) record.key();
    }

    /** Reads the partition from the consumer's position up to {@code end} (exclusive). */
    private static void read(org.apache.kafka.clients.consumer.Consumer<Object, Object> consumer,
            TopicPartition partition, long end, Runnable stopCheck, Consumer<ConsumerRecord<Object, Object>> handler) {
        while (consumer.position(partition) < end) {
            stopCheck.run();
            for (ConsumerRecord<Object, Object> record : consumer.poll(POLL)) {
                if (record.offset() < end) {
                    handler.accept(record);
                }
            }
        }
    }
}
