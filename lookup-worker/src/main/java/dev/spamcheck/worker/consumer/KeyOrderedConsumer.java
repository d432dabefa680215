package dev.spamcheck.worker.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.support.serializer.DeserializationException;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.Topic;

/**
 * Consumes a topic with one thread that only polls, hands records to a {@link KeyOrderedScheduler}
 * and commits, so a record that takes long delays only the later records with its key. The
 * thread polls at least every {@link #POLL} whatever the backlog, so {@code max.poll.interval.ms}
 * is never exceeded; once about {@code maxPending} records are being handled or wait their turn
 * (or four times as many wait only to be done) it pauses its partitions instead of fetching more. An
 * offset is committed only when every record before it is done, so a crash or a rebalance
 * redelivers whatever was not finished. A record that cannot be read goes to its dead-letter
 * topic ({@link DeadLetters}), as a listener container's would. A handler may finish with its
 * record not yet done (see {@link RecordHandler}): the record then holds no thread, only its key
 * and its offset.
 * Spring Kafka's containers hand a partition's records to one thread in order; nothing in it (or
 * in Kafka's client) runs one partition's records for different keys at once, hence this class.
 */
public final class KeyOrderedConsumer<V> implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KeyOrderedConsumer.class);
    static final Duration POLL = Duration.ofMillis(100);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** After the consumer failed (an authorization refused, say), the first wait before a new one; it doubles. */
    private static final Duration RESTART_FIRST = Duration.ofSeconds(1);
    private static final Duration RESTART_MAX = Duration.ofSeconds(30);
    /** How many records may wait to be done, per record that may be pending otherwise, before the consumer pauses. */
    private static final int AWAITING_PER_PENDING = 4;

    private final ConsumerFactory<String, V> consumers;
    private final String topic;
    private final String groupId;
    private final RecordHandler<V> handler;
    private final DeadLetters deadLetters;
    private final int maxPending;
    private final boolean autoStartup;
    private final ExecutorService workers;
    private final KeyOrderedScheduler scheduler;
    private final Function<V, Object> lane;
    private volatile Set<TopicPartition> assigned = Set.of();
    private volatile boolean running;
    /** Counted down by {@link #stop}: ends a wait before starting a new consumer. */
    private volatile CountDownLatch stopping = new CountDownLatch(1);
    private volatile Consumer<String, V> consumer;
    private Thread poller;

    /**
     * @param handler handles one readable record; what it throws is logged, and the record counts as done
     * @param concurrency records handled at once
     * @param lane whose a readable record is, to take turns by (null: one lane for all; see
     *        {@link KeyOrderedScheduler})
     * @param autoStartup whether it starts with the application ({@code spring.kafka.listener.auto-startup})
     */
    public KeyOrderedConsumer(ConsumerFactory<String, V> consumers, Topic<String, V> topic, String groupId,
            RecordHandler<V> handler, DeadLetters deadLetters, int concurrency, Function<V, Object> lane,
            boolean autoStartup) {
        this.consumers = consumers;
        this.autoStartup = autoStartup;
        this.topic = topic.name();
        this.groupId = groupId;
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.maxPending = concurrency * 16;
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(concurrency, runnable -> {
            Thread thread = new Thread(runnable, groupId + "-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // With lanes, one thread stays free of any one lane's records, for the others'.
        this.scheduler = new KeyOrderedScheduler(workers, concurrency, lane == null ? 0 : 1);
        this.lane = lane;
    }

    /** Records whose handling has ended but which are not yet done (see {@link RecordHandler}). */
    public int awaitingRecords() {
        return scheduler.awaiting();
    }

    /** The partitions this instance owns now. */
    public Set<TopicPartition> assignedPartitions() {
        return assigned;
    }

    @Override
    public void start() {
        running = true;
        stopping = new CountDownLatch(1);
        poller = new Thread(this::pollUntilStopped, groupId + "-poll");
        poller.start();
    }

    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        stopping.countDown();
        Consumer<String, V> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            poller.join(STOP_GRACE.plusSeconds(5).toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Polls with a consumer, and with a new one after it failed: a poller that ended on an error
     * (credentials or permissions being rotated) would leave the worker up, ready, and consuming
     * nothing.
     */
    private void pollUntilStopped() {
        Duration wait = RESTART_FIRST;
        while (running && !poll()) {
            log.error("Consumer of {} starts again in {}", topic, wait);
            try {
                if (stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            wait = wait.multipliedBy(2).compareTo(RESTART_MAX) > 0 ? RESTART_MAX : wait.multipliedBy(2);
        }
    }

    /** Polls until stopped (true) or the consumer fails (false). */
    private boolean poll() {
        Properties settings = new Properties();
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        try (Consumer<String, V> kafka = consumers.createConsumer(groupId, null, null, settings)) {
            consumer = kafka;
            Map<TopicPartition, Long> committed = new HashMap<>();
            kafka.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit(kafka, committed, true);
                    scheduler.forget(partitions);
                    partitions.forEach(committed::remove);
                    assigned = Set.copyOf(kafka.assignment());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned = Set.copyOf(kafka.assignment());
                }
            });
            while (running) {
                try {
                    for (ConsumerRecord<String, V> record : kafka.poll(POLL)) {
                        scheduler.submit(new TopicPartition(record.topic(), record.partition()), record.offset(),
                                record.key(), laneOf(record), () -> handle(record));
                    }
                }
                catch (WakeupException stopping) {
                    break;
                }
                commit(kafka, committed, false);
                applyBackpressure(kafka);
            }
            finish(kafka, committed);
            return true;
        }
        catch (RuntimeException ex) {
            log.error("Consumer of {} failed: {}", topic, ex.toString());
            // Its partitions go back to the group: what is in hand for them is not committed here.
            scheduler.forget(assigned);
            return false;
        }
        finally {
            consumer = null;
            assigned = Set.of();
        }
    }

    /** Unreadable records (no value) share one lane. */
    private Object laneOf(ConsumerRecord<String, V> record) {
        return lane == null || record.value() == null ? null : lane.apply(record.value());
    }

    private CompletionStage<?> handle(ConsumerRecord<String, V> record) {
        try {
            DeserializationException unreadable = DeadLetters.unreadable(record);
            if (unreadable != null) {
                deadLetters.accept(record, unreadable);
                return RecordHandler.DONE;
            }
            return handler.handle(record);
        }
        catch (RuntimeException ex) {
            // A dead letter Kafka did not take is still on the topic itself, for its retention.
            log.error("Record {}-{}@{} failed: {}", record.topic(), record.partition(), record.offset(),
                    ex.getClass().getSimpleName());
            return RecordHandler.DONE;
        }
    }

    private void applyBackpressure(Consumer<String, V> kafka) {
        int awaiting = scheduler.awaiting();
        // Records waiting only to be done (their results not yet taken by Kafka) take no thread:
        // they count apart, with room for minutes of a results partition's outage, so they do not
        // stop the records of every other partition as soon as the threads' share is reached.
        // Those of partitions forgotten meanwhile are no longer pending but still await, so the
        // first count is short by them (at most one share more is taken in) and cannot go below 0;
        // the second counts them, as they still take memory.
        boolean full = Math.max(0, scheduler.pending() - awaiting) >= maxPending
                || awaiting >= maxPending * AWAITING_PER_PENDING;
        if (full && kafka.paused().isEmpty()) {
            kafka.pause(kafka.assignment());
        }
        else if (!full && !kafka.paused().isEmpty()) {
            kafka.resume(kafka.paused());
        }
    }

    /** Commits what is done; synchronously when partitions are about to change hands. */
    private void commit(Consumer<String, V> kafka, Map<TopicPartition, Long> committed, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        scheduler.committable().forEach((partition, offset) -> {
            if (!offset.equals(committed.get(partition)) && kafka.assignment().contains(partition)) {
                offsets.put(partition, new OffsetAndMetadata(offset));
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                kafka.commitSync(offsets);
            }
            else {
                kafka.commitAsync(offsets, (done, failure) -> {
                    if (failure != null) {
                        log.warn("Could not commit offsets of {}: {}", topic, failure.toString());
                        // Not committed after all: the next round (or a revocation) commits them again.
                        offsets.forEach((partition, offset) -> committed.remove(partition, offset.offset()));
                    }
                });
            }
            offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
        }
        catch (RuntimeException ex) {
            log.warn("Could not commit offsets of {}: {}", topic, ex.toString());
        }
    }

    /** Lets the records in hand finish (for a while), commits them and leaves the group. */
    private void finish(Consumer<String, V> kafka, Map<TopicPartition, Long> committed) {
        long until = System.nanoTime() + STOP_GRACE.toNanos();
        kafka.pause(kafka.assignment());
        while (scheduler.pending() > 0 && System.nanoTime() < until) {
            try {
                // Polling while paused keeps the partitions: the work in hand can still commit.
                kafka.poll(POLL);
            }
            catch (WakeupException ignored) {
                // a second stop(): keep finishing
            }
        }
        commit(kafka, committed, true);
        // Operators (and the container smoke test) read a clean stop from this line; closing the
        // consumer right after sends the group its leave request.
        log.info("Consumer of {} stopping: {} records unfinished, offsets committed, leaving group {}", topic,
                scheduler.pending(), groupId);
    }

    /** Handles one record. */
    @FunctionalInterface
    public interface RecordHandler<V> {

        /** What a handler returns for a record done when it returns. */
        CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

        /**
         * @return a stage that completes, normally or not, once the record is done; until then its
         *         key's later records wait and its offset is not committed, so one still not done
         *         when the consumer stops is delivered again
         */
        CompletionStage<?> handle(ConsumerRecord<String, V> record);
    }
}
