package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PendingLookupsTest {

    private final PendingLookups pending = new PendingLookups();
    private final AtomicInteger published = new AtomicInteger();

    private Mono<Void> publish() {
        return Mono.fromRunnable(published::incrementAndGet);
    }

    private static LookupResult result(String hash) {
        return new LookupResult("00000000-0000-0000-0000-000000000001", hash, "v1.k.x", "0123", Outcome.SCORED, 1,
                Instant.now(), null, false);
    }

    @Test
    void concurrentRequestsForOneNumberShareOnePublishedRequest() {
        Mono<LookupResult> first = pending.await("h1", this::publish);
        Mono<LookupResult> second = pending.await("h1", this::publish);

        StepVerifier.create(Mono.zip(first, second))
                .then(() -> pending.complete(result("h1")))
                .assertNext(both -> assertThat(both.getT1()).isEqualTo(both.getT2()))
                .verifyComplete();
        assertThat(published).hasValue(1);
        assertThat(pending.size()).isZero();
    }

    @Test
    void resultsForOtherNumbersDoNotAnswer() {
        StepVerifier.create(pending.await("h1", this::publish))
                .then(() -> pending.complete(result("h2")))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> pending.complete(result("h1")))
                .expectNextMatches(r -> r.numberHash().equals("h1"))
                .verifyComplete();
    }

    @Test
    void aWaiterThatGivesUpLetsTheNextRequestPublishAgain() {
        StepVerifier.create(pending.await("h1", this::publish).timeout(Duration.ofMillis(20)))
                .verifyError(java.util.concurrent.TimeoutException.class);

        StepVerifier.create(pending.await("h1", this::publish))
                .then(() -> pending.complete(result("h1")))
                .expectNextCount(1)
                .verifyComplete();
        assertThat(published).hasValue(2);
    }

    @Test
    void aFailedPublishFailsTheWaitAndForgetsIt() {
        StepVerifier.create(pending.await("h1", () -> Mono.error(new IllegalStateException("kafka down"))))
                .verifyError(IllegalStateException.class);
        assertThat(pending.size()).isZero();
    }
}
