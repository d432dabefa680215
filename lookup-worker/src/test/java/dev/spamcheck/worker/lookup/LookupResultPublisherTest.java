package dev.spamcheck.worker.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.LookupRequest.Origin;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.MessageCodec;

/**
 * A paid answer's result is sent until Kafka takes it, since the notifier learns of a number that
 * turned from that topic alone; over a producer whose acknowledgements the test gives
 * ({@link MockProducer} without auto-completion), as a broker whose partition lacks its in-sync
 * replicas fails each send after the producer's delivery timeout.
 */
class LookupResultPublisherTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Kept open: the template closes a factory's producer after each send, a no-op for a real factory's. */
    private final MockProducer<String, Object> producer = new MockProducer<>(false, null, new StringSerializer(),
            json()) {
        @Override
        public void close(Duration timeout) {
        }
    };
    private final LookupResultPublisher publisher = new LookupResultPublisher(
            new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer))));

    @AfterEach
    void stop() {
        publisher.destroy();
    }

    @Test
    void aPaidAnswerIsSentAgainUntilKafkaTakesIt() {
        CompletableFuture<Void> acknowledged = publisher.publishAsync(result(Outcome.SCORED, false));

        refuseNext(new TimeoutException("Expiring 1 record(s): 600000 ms has passed since batch creation"));
        refuseNext(new TopicAuthorizationException("credentials being rotated"));
        awaitSends(3);
        assertThat(acknowledged).isNotDone();

        assertThat(producer.completeNext()).isTrue();
        await().atMost(WAIT).until(acknowledged::isDone);
        assertThat(acknowledged).isCompleted();
        assertThat(producer.history()).allSatisfy(sent -> assertThat(sent.key()).isEqualTo("hash-1"));
    }

    @Test
    void aFailureThatCannotPassEndsThePaidAnswersSending() {
        CompletableFuture<Void> acknowledged = publisher.publishAsync(result(Outcome.NOT_FOUND, false));

        refuseNext(new RecordTooLargeException("too large"));

        await().atMost(WAIT).until(acknowledged::isDone);
        assertThat(acknowledged).isCompletedExceptionally();
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void aResultThatRepeatsTheCacheOrAFailureIsSentOnce() {
        CompletableFuture<Void> cached = publisher.publishAsync(result(Outcome.SCORED, true));
        refuseNext(new TimeoutException("expired"));
        await().atMost(WAIT).until(cached::isDone);

        CompletableFuture<Void> failed = publisher.publishAsync(result(Outcome.UNAVAILABLE, false));
        refuseNext(new TimeoutException("expired"));
        await().atMost(WAIT).until(failed::isDone);

        assertThat(cached).isCompletedExceptionally();
        assertThat(failed).isCompletedExceptionally();
        await().during(Duration.ofMillis(1600)).atMost(WAIT).until(() -> producer.history().size() == 2);
    }

    @Test
    void onceTheWorkerStopsAPaidAnswerIsNeitherSentAgainNorDone() {
        CompletableFuture<Void> acknowledged = publisher.publishAsync(result(Outcome.SCORED, false));
        awaitSends(1);

        publisher.destroy();
        assertThat(producer.errorNext(new TimeoutException("expired"))).isTrue();

        // Beyond the longest first back-off (1 s and half of it): no second send, and never done,
        // so the consumer leaves the request uncommitted for the next worker.
        await().during(Duration.ofMillis(1600)).atMost(WAIT).until(() -> producer.history().size() == 1);
        assertThat(acknowledged).isNotDone();
    }

    @Test
    void failuresThatMayPassAreKafkasRetriableOnesRefusedCredentialsAndAWaitThatEndedFirst() {
        assertThat(LookupResultPublisher.mayPass(new NotEnoughReplicasException("1 of 3 in sync"))).isTrue();
        assertThat(LookupResultPublisher.mayPass(new SaslAuthenticationException("password being rotated")))
                .isTrue();
        assertThat(LookupResultPublisher.mayPass(new TopicAuthorizationException("ACL being rotated"))).isTrue();
        // As TopicSender reports its own wait for the acknowledgement ending first.
        assertThat(LookupResultPublisher.mayPass(new IllegalStateException("1 of 1 records were not acknowledged",
                new ExecutionException(new java.util.concurrent.TimeoutException())))).isTrue();

        assertThat(LookupResultPublisher.mayPass(new RecordTooLargeException("too large"))).isFalse();
        assertThat(LookupResultPublisher.mayPass(new SerializationException("cannot write it"))).isFalse();
        assertThat(LookupResultPublisher.mayPass(new IllegalStateException("a defect"))).isFalse();
    }

    /** Fails the send in flight, once one is. */
    private void refuseNext(RuntimeException failure) {
        await().atMost(WAIT).until(() -> producer.errorNext(failure));
    }

    private void awaitSends(int count) {
        await().atMost(WAIT).until(() -> producer.history().size() == count);
    }

    private static LookupResult result(Outcome outcome, boolean fromCache) {
        return new LookupResult("request-1", "hash-1", "v1.k1.abc", "0123", outcome,
                outcome == Outcome.SCORED ? 1 : null, Instant.parse("2026-12-07T08:00:00Z"),
                outcome == Outcome.UNAVAILABLE ? "twilio_http_500" : null, fromCache, Origin.INTERACTIVE, null);
    }

    private static Serializer<Object> json() {
        return (topic, value) -> value == null ? null : MessageCodec.encode(value).getBytes(StandardCharsets.UTF_8);
    }
}
