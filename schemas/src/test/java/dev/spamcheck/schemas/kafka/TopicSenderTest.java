package dev.spamcheck.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Where a reactive send runs: never on the caller's thread while the producer may still wait for
 * the topic's metadata, on it once a send to the topic went through, and never completing on the
 * producer's network thread; and made once subscribed, even if the subscriber stops waiting.
 */
class TopicSenderTest {

    private final ThreadRecordingKafka kafka = new ThreadRecordingKafka();
    private final TopicSender sender = new TopicSender(kafka);
    private final MaintenanceTrigger trigger = MaintenanceTrigger.nightly(java.util.UUID.randomUUID().toString(), java.time.LocalDate.EPOCH,
            java.time.Instant.EPOCH, "test");

    @Test
    void theFirstSendToATopicStartsOffTheCallersThreadAndLaterOnesOnIt() {
        AtomicReference<String> completedOn = new AtomicReference<>();
        sender.send(Topics.ARCHIVE_TRIGGERS, "k", trigger)
                .doOnSuccess(done -> completedOn.set(Thread.currentThread().getName())).block();
        sender.send(Topics.ARCHIVE_TRIGGERS, "k", trigger).block();

        assertThat(kafka.sentFrom.get(0)).startsWith("boundedElastic-");
        assertThat(kafka.sentFrom.get(1)).isEqualTo(Thread.currentThread().getName());
        assertThat(completedOn.get()).startsWith("parallel-");
    }

    @Test
    void afterAFailedSendTheNextStartsOffTheCallersThreadAgain() {
        sender.send(Topics.ARCHIVE_TRIGGERS, "k", trigger).block();
        kafka.failNext = true;
        assertThatThrownBy(() -> sender.send(Topics.ARCHIVE_TRIGGERS, "k", trigger).block())
                .isInstanceOf(TimeoutException.class);
        sender.send(Topics.ARCHIVE_TRIGGERS, "k", trigger).block();

        assertThat(kafka.sentFrom.get(2)).startsWith("boundedElastic-");
    }

    @Test
    void aSendWhoseSubscriberCancelsAtOnceIsMadeAllTheSame() {
        // A fresh sender each time: the topic is cold, so the send waits for a bounded-elastic thread.
        for (int attempt = 1; attempt <= 20; attempt++) {
            new TopicSender(kafka).send(Topics.ARCHIVE_TRIGGERS, "k" + attempt, trigger).subscribe().dispose();
        }

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(kafka.sentFrom).hasSize(20));
    }

    @Test
    void onceKafkaRefusesARecordTheRestOfTheBatchIsNotAttemptedAndTheBatchFails() {
        // The brokers away: each send blocks up to max.block.ms for metadata and then fails; a
        // batch of thousands would block for hours.
        RefusingKafka refusing = new RefusingKafka(2);
        TopicSender.Sends sends = new TopicSender(refusing).sends();
        for (int i = 0; i < 1000; i++) {
            sends.add(Topics.ARCHIVE_TRIGGERS, "k" + i, trigger);
        }

        assertThat(refusing.attempts).isEqualTo(2);
        assertThatThrownBy(() -> sends.awaitAll(Duration.ofSeconds(1)))
                .isInstanceOf(TopicSender.NotAcknowledged.class)
                .hasMessage("999 of 1000 records were not acknowledged by Kafka: TimeoutException");
        assertThat(sends.size()).as("starts afresh").isZero();
    }

    /** The nightly job counts acknowledged re-checks as sent: one interrupted must not send them again. */
    @Test
    void anInterruptedWaitStillCountsWhatKafkaAcknowledged() {
        KafkaTemplate<String, Object> firstOnly = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of())) {
            private int sent;

            @Override
            public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
                return sent++ == 0 ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
            }
        };
        TopicSender.Sends sends = new TopicSender(firstOnly).sends();
        sends.add(Topics.ARCHIVE_TRIGGERS, "k1", trigger);
        sends.add(Topics.ARCHIVE_TRIGGERS, "k2", trigger);

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> sends.awaitAll(Duration.ofSeconds(5)))
                    .isInstanceOfSatisfying(TopicSender.NotAcknowledged.class,
                            notAll -> assertThat(notAll.acknowledged()).isEqualTo(1));
        }
        finally {
            assertThat(Thread.interrupted()).as("the interrupt kept for the caller").isTrue();
        }
    }

    @Test
    void aBatchKafkaAcknowledgesPassesAndStartsAfresh() {
        TopicSender.Sends sends = sender.sends();
        for (int i = 0; i < 3; i++) {
            sends.add(Topics.ARCHIVE_TRIGGERS, "k" + i, trigger);
        }
        sends.awaitAll(Duration.ofSeconds(5));

        assertThat(kafka.sentFrom).hasSize(3);
        assertThat(sends.size()).isZero();
    }

    /** Acknowledges at once until its {@code refuseFrom}-th send, which it refuses at once, as every later one. */
    private static final class RefusingKafka extends KafkaTemplate<String, Object> {

        private final int refuseFrom;
        int attempts;

        RefusingKafka(int refuseFrom) {
            super(new DefaultKafkaProducerFactory<>(Map.of()));
            this.refuseFrom = refuseFrom;
        }

        @Override
        public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
            attempts++;
            return attempts >= refuseFrom ? CompletableFuture.failedFuture(new TimeoutException("metadata"))
                    : CompletableFuture.completedFuture(null);
        }
    }

    private static final class ThreadRecordingKafka extends KafkaTemplate<String, Object> {

        final List<String> sentFrom = new CopyOnWriteArrayList<>();
        volatile boolean failNext;

        ThreadRecordingKafka() {
            super(new DefaultKafkaProducerFactory<>(Map.of()));
        }

        @Override
        public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
            sentFrom.add(Thread.currentThread().getName());
            CompletableFuture<SendResult<String, Object>> acknowledged = new CompletableFuture<>();
            boolean fail = failNext;
            failNext = false;
            // Acknowledged from a thread of its own, as the producer's network thread would.
            new Thread(() -> {
                if (fail) {
                    acknowledged.completeExceptionally(new TimeoutException("metadata"));
                }
                else {
                    acknowledged.complete(null);
                }
            }, "kafka-producer-network-thread").start();
            return acknowledged;
        }
    }
}
