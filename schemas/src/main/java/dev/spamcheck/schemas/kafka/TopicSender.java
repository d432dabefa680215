package dev.spamcheck.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.kafka.core.KafkaTemplate;

import dev.spamcheck.schemas.topic.Topic;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one way spamcheck sends to Kafka, typed by {@link Topic}: every send waits for the broker's
 * acknowledgement ({@code acks=all}) before it counts as done. {@link KafkaTemplate#send} itself can
 * block (on topic metadata, or a full buffer, up to {@code max.block.ms}), so reactive callers get
 * {@link #send}, which runs it on their thread only once it cannot block there; blocking callers
 * wait with a timeout.
 */
public class TopicSender {

    private static final Executor OFF_THE_CALLERS_THREAD = task -> Schedulers.boundedElastic().schedule(task);

    private final KafkaTemplate<String, Object> kafka;
    /**
     * Topics whose last send went through: the producer has their metadata (a service that sends
     * from event loops keeps it with a long {@code metadata.max.idle.ms}), so appending to its
     * buffer does not wait.
     */
    private final Set<String> warm = ConcurrentHashMap.newKeySet();

    public TopicSender(KafkaTemplate<String, Object> kafka) {
        this.kafka = kafka;
    }

    /**
     * Completes when the broker has the record, on a Reactor parallel thread, so nothing runs on
     * the producer's network thread, where the acknowledgement arrives. The first send to a topic,
     * and the first after a failed one, starts on a bounded-elastic thread, since it may wait for
     * metadata; later sends start on the caller's thread, without a hop per record. No timeout of
     * its own: the producer settles every send within {@code max.block.ms} plus
     * {@code delivery.timeout.ms}. Once subscribed, the record is sent even if the subscriber
     * cancels: cancelling only stops the waiting (an audit event its exchange counts as recorded
     * must not be dropped because the client's connection closed meanwhile).
     */
    public <V> Mono<Void> send(Topic<String, V> topic, String key, V value) {
        return send(topic, key, value, Schedulers.parallel());
    }

    /**
     * As {@link #send(Topic, String, Object)}, completing on {@code completeOn}: for a caller
     * that goes on on a thread of its own, such as the event loop of the connection to answer.
     */
    public <V> Mono<Void> send(Topic<String, V> topic, String key, V value, Scheduler completeOn) {
        return Mono.fromFuture(() -> start(topic, key, value), true)
                .doOnSuccess(sent -> warm.add(topic.name()))
                .doOnError(failure -> warm.remove(topic.name()))
                .then()
                .publishOn(completeOn);
    }

    /**
     * A task handed to the bounded-elastic scheduler, not {@code subscribeOn}: that would drop a
     * send still queued when its subscriber cancels.
     */
    private <V> CompletableFuture<?> start(Topic<String, V> topic, String key, V value) {
        if (warm.contains(topic.name())) {
            return kafka.send(topic.name(), key, value);
        }
        return CompletableFuture.supplyAsync(() -> kafka.send(topic.name(), key, value), OFF_THE_CALLERS_THREAD)
                .thenCompose(acknowledged -> acknowledged);
    }

    private <V> CompletableFuture<?> sendAsync(Topic<String, V> topic, String key, V value) {
        try {
            return kafka.send(topic.name(), key, value);
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /** Sends from a thread that may block and waits at most {@code timeout} for the acknowledgement. */
    public <V> void sendAndWait(Topic<String, V> topic, String key, V value, Duration timeout) {
        Sends sends = sends();
        sends.add(topic, key, value);
        sends.awaitAll(timeout);
    }

    /** Records sent from a thread that may block and then awaited together. */
    public Sends sends() {
        return new Sends();
    }

    /**
     * Records sent one after the other and awaited together. Once Kafka has refused one (mostly at
     * once: the producer found no metadata for the topic within {@code max.block.ms}, the brokers
     * being away), the rest are not attempted: each would block as long, a batch of thousands for
     * hours (a nightly purge holding its rows locked meanwhile), and the batch fails all the same.
     */
    public final class Sends {

        private final List<CompletableFuture<?>> sent = new ArrayList<>();
        private boolean refused;
        private int notAttempted;

        private Sends() {
        }

        public <V> void add(Topic<String, V> topic, String key, V value) {
            if (refused) {
                notAttempted++;
                return;
            }
            CompletableFuture<?> send = sendAsync(topic, key, value);
            refused = send.isCompletedExceptionally();
            sent.add(send);
        }

        /** Records added since the last {@link #awaitAll}. */
        public int size() {
            return sent.size() + notAttempted;
        }

        /**
         * Waits until Kafka has acknowledged every record added, at most {@code timeout} in all;
         * then starts afresh.
         *
         * @throws NotAcknowledged naming how many were not, when any was not
         */
        public void awaitAll(Duration timeout) {
            try {
                awaitEach(timeout);
            }
            finally {
                sent.clear();
                refused = false;
                notAttempted = 0;
            }
        }

        private void awaitEach(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int failed = notAttempted;
            Throwable cause = null;
            for (CompletableFuture<?> send : sent) {
                try {
                    send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (ExecutionException | TimeoutException ex) {
                    failed++;
                    cause = cause == null ? (ex instanceof ExecutionException ? ex.getCause() : ex) : cause;
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    // What Kafka acknowledged already counts as such: a caller that counts
                    // acknowledged records (the nightly re-checks) must not send them again.
                    long acknowledged = sent.stream().filter(done -> done.isDone() && !done.isCompletedExceptionally())
                            .count();
                    throw new NotAcknowledged(size() - (int) acknowledged, size(), ex);
                }
            }
            if (failed > 0) {
                throw new NotAcknowledged(failed, size(), cause);
            }
        }
    }

    /** Kafka did not acknowledge some records; the message names the cause's class only. */
    public static final class NotAcknowledged extends RuntimeException {

        private final int acknowledged;

        NotAcknowledged(int failed, int sent, Throwable cause) {
            super(failed + " of " + sent + " records were not acknowledged by Kafka: "
                    + cause.getClass().getSimpleName(), cause);
            this.acknowledged = sent - failed;
        }

        /** How many of the records Kafka did acknowledge. */
        public int acknowledged() {
            return acknowledged;
        }
    }
}
