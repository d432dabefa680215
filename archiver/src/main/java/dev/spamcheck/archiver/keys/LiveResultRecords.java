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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Moves the live records of the compacted results topic to the active key.
 * A record is live while it is the latest under its key (compaction keeps only that one). A live
 * result under another key is published again, the same result with its number re-encrypted, so
 * compaction drops the old one; so is a live failure (written there before failures had a topic of
 * their own), which a tombstone would have made look purged. Republished results keep their
 * {@code checked_at}, so replay and gateways treat them as the old answers they are. What is
 * written while a partition is read (a newer answer, a purge's tombstone) counts as the key's
 * latest record, and what is written to a key before the rotation's record for it while it
 * republishes is published again after it. One partition at a time: memory holds, per partition,
 * the keys and offsets of the live records still to move.
 */
@Component
class LiveResultRecords {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final int ACK_BATCH = 500;
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);
    /** The fingerprint of a tombstone, and of a record that is no answer. */
    private static final long TOMBSTONE = Long.MIN_VALUE;
    private static final long UNREADABLE = Long.MIN_VALUE + 1;
    private static final Logger log = LoggerFactory.getLogger(LiveResultRecords.class);

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
                long caughtUp = consumer.endOffsets(List.of(partition)).get(partition);
                read(consumer, partition, caughtUp, stopCheck, latest);
                if (toMove.isEmpty()) {
                    continue;
                }
                Set<Long> offsets = new HashSet<>(toMove.values());
                consumer.seek(partition, Collections.min(offsets));
                TopicSender.Sends sends = kafka.sends();
                long before = toMove.size();
                // From here on each key maps to what this rotation published for it (the same
                // keys, so no more memory).
                publishing(sends, () -> read(consumer, partition, Collections.max(offsets) + 1, stopCheck, record -> {
                    if (offsets.contains(record.offset())) {
                        Long published = publishReplacement(record, sends);
                        if (published == null) {
                            toMove.remove(key(record));
                        }
                        else {
                            toMove.put(key(record), published);
                        }
                        if (sends.size() >= ACK_BATCH) {
                            sends.awaitAll(ACK_TIMEOUT);
                        }
                    }
                }));
                republished += toMove.size();
                unreadable += before - toMove.size();
                republishOvertaken(consumer, partition, caughtUp, toMove, stopCheck);
            }
        }
        return new Moved(republished, unreadable);
    }

    /**
     * Publishes again, after this rotation's own, each record someone else wrote to one of its
     * keys between the catch-up read and the rotation's record for that key (a fresh answer, a
     * nightly re-check): compaction keeps only the last, so the rotation's old answer would
     * otherwise bury the newer one. Round after round, for what is written meanwhile, until no
     * rotation record follows another's.
     *
     * @param from where the catch-up read ended
     * @param published per key, the fingerprint of what this rotation published for it
     */
    private void republishOvertaken(org.apache.kafka.clients.consumer.Consumer<Object, Object> consumer,
            TopicPartition partition, long from, Map<String, Long> published, Runnable stopCheck) {
        Map<String, Long> ours = published;
        long start = from;
        while (!ours.isEmpty()) {
            long to = consumer.endOffsets(List.of(partition)).get(partition);
            consumer.seek(partition, start);
            Map<String, ConsumerRecord<Object, Object>> theirs = new HashMap<>();
            Map<String, ConsumerRecord<Object, Object>> overtaken = new HashMap<>();
            Map<String, Long> round = ours;
            read(consumer, partition, to, stopCheck, record -> {
                Long mine = round.get(key(record));
                if (mine == null) {
                    return;
                }
                if (mine == fingerprint(record)) {
                    ConsumerRecord<Object, Object> buried = theirs.remove(key(record));
                    if (buried != null) {
                        overtaken.put(key(record), buried);
                    }
                }
                else {
                    theirs.put(key(record), record);
                    overtaken.remove(key(record));
                }
            });
            Map<String, Long> again = new HashMap<>();
            TopicSender.Sends sends = kafka.sends();
            publishing(sends, () -> overtaken.values().forEach(record -> {
                Long fingerprint = publishReplacement(record, sends);
                if (fingerprint != null) {
                    again.put(key(record), fingerprint);
                }
            }));
            if (!again.isEmpty()) {
                log.info("Key rotation: {} records of {} written while it republished were published again "
                        + "after its own", again.size(), partition);
            }
            ours = again;
            start = to;
        }
    }

    /**
     * Runs work that adds to {@code sends}, then waits for Kafka to take them. Stopped or failed
     * half-way, it still lets Kafka take what the producer holds while the rotation holds its lock:
     * sent after a purge that took the lock next, it would bring a purged number back.
     */
    private static void publishing(TopicSender.Sends sends, Runnable work) {
        try {
            work.run();
        }
        catch (RuntimeException stoppedOrFailed) {
            try {
                sends.awaitAll(ACK_TIMEOUT);
            }
            catch (RuntimeException notTaken) {
                stoppedOrFailed.addSuppressed(notTaken);
            }
            throw stoppedOrFailed;
        }
        sends.awaitAll(ACK_TIMEOUT);
    }

    /**
     * Whether a record is a value this rotation has to move (any other record supersedes it): one
     * whose number is under another key than the active one.
     */
    private boolean needsMoving(ConsumerRecord<Object, Object> record) {
        LookupResult result = decode(record);
        return result != null && result.numberCiphertext() != null
                && !protection.activeKeyId().equals(NumberProtection.keyIdOf(result.numberCiphertext()));
    }

    /**
     * Publishes what stands for the record under the active key: a result with its number
     * re-encrypted (or as it is, if under that key already), a tombstone for a tombstone. A failure
     * (written here before failures had a topic of their own) is moved alike: a tombstone in its
     * place would tell replay, the gateways and the notifier that the number was purged. Returns
     * its {@link #fingerprint}; null when nothing was published: no configured key reads its
     * number, or no reader understands it.
     */
    private Long publishReplacement(ConsumerRecord<Object, Object> record, TopicSender.Sends sends) {
        LookupResult result = decode(record);
        if (result == null) {
            if (DeadLetters.unreadable(record) != null) {
                return null;
            }
            sends.add(Topics.LOOKUP_RESULTS, key(record), null);
            return TOMBSTONE;
        }
        LookupResult replacement = result;
        if (needsMoving(record)) {
            try {
                replacement = result.withCiphertext(
                        protection.reencrypt(result.numberCiphertext(), result.numberHash()));
            }
            catch (IllegalArgumentException ex) {
                return null;
            }
        }
        sends.add(Topics.LOOKUP_RESULTS, key(record), replacement);
        return fingerprint(replacement);
    }

    /**
     * Tells the rotation's record for a key from another's: the same answer (request and check
     * time; its ciphertext may differ) has the same fingerprint. Two answers to one number share
     * one only if both their request ids' and their times' hashes match.
     */
    private static long fingerprint(ConsumerRecord<Object, Object> record) {
        LookupResult result = decode(record);
        if (result == null) {
            return DeadLetters.unreadable(record) == null ? TOMBSTONE : UNREADABLE;
        }
        return fingerprint(result);
    }

    private static long fingerprint(LookupResult result) {
        long fingerprint = ((long) result.requestId().hashCode() << 32)
                ^ (result.checkedAt().hashCode() & 0xffffffffL);
        return fingerprint == TOMBSTONE || fingerprint == UNREADABLE ? fingerprint + 2 : fingerprint;
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
