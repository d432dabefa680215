package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.LookupRequest.Origin;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PendingLookupsTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final PendingLookups pending = new PendingLookups();
    private final AtomicInteger published = new AtomicInteger();

    private Mono<Void> publish() {
        return Mono.fromRunnable(published::incrementAndGet);
    }

    private Mono<LookupResult> await(String hash, String requestId) {
        return pending.await(hash, requestId, "crm", LONG, this::publish);
    }

    private static LookupResult scored(String hash, String requestId) {
        return scored(hash, requestId, Instant.now());
    }

    private static LookupResult scored(String hash, String requestId, Instant checkedAt) {
        return new LookupResult(requestId, hash, "v1.k.x", "0123", Outcome.SCORED, 1, checkedAt, null, false,
                Origin.INTERACTIVE, null);
    }

    private static LookupResult failed(String hash, String requestId, Origin origin) {
        return new LookupResult(requestId, hash, "v1.k.x", "0123", Outcome.UNAVAILABLE, null, Instant.now(),
                "twilio_http_500", false, origin, null);
    }

    @Test
    void concurrentRequestsForOneNumberShareOnePublishedRequest() {
        Mono<LookupResult> first = await("h1", "r1");
        Mono<LookupResult> second = await("h1", "r2");

        StepVerifier.create(Mono.zip(first, second))
                .then(() -> pending.complete(scored("h1", "r1")))
                .assertNext(both -> assertThat(both.getT1()).isEqualTo(both.getT2()))
                .verifyComplete();
        assertThat(published).hasValue(1);
        assertThat(pending.size()).isZero();
    }

    @Test
    void resultsForOtherNumbersDoNotAnswer() {
        StepVerifier.create(await("h1", "r1"))
                .then(() -> pending.complete(scored("h2", "r9")))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> pending.complete(scored("h1", "r9")))
                .expectNextMatches(r -> r.numberHash().equals("h1"))
                .verifyComplete();
    }

    @Test
    void aWaiterWhoLeavesChangesNothingForTheOthers() {
        Disposable impatient = await("h1", "r1").subscribe();
        StepVerifier.create(await("h1", "r2"))
                .then(impatient::dispose)
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> pending.complete(scored("h1", "r1")))
                .expectNextMatches(r -> r.requestId().equals("r1"))
                .verifyComplete();
        assertThat(published).hasValue(1);
    }

    @Test
    void anAnswerCheckedBeforeTheWaitStartedAnswersOnlyTheWaitsOwnRequest() {
        Instant before = Instant.now().minusSeconds(1);
        StepVerifier.create(await("h1", "r1"))
                .then(() -> pending.complete(scored("h1", "republished", before)))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> pending.complete(scored("h1", "r1", before)))
                .expectNextMatches(r -> r.requestId().equals("r1"))
                .verifyComplete();
    }

    @Test
    void onlyTheWaitsOwnFailureAnswersIt() {
        StepVerifier.create(await("h1", "r1"))
                .then(() -> pending.complete(failed("h1", "prewarm-request", Origin.PREWARM)))
                .then(() -> pending.complete(failed("h1", "another-gateways-request", Origin.INTERACTIVE)))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> pending.complete(failed("h1", "r1", Origin.INTERACTIVE)))
                .expectNextMatches(r -> r.outcome() == Outcome.UNAVAILABLE)
                .verifyComplete();
    }

    @Test
    void theWaitEndsAtItsOwnTimeoutAndTheNextRequestPublishesAgain() {
        StepVerifier.create(pending.await("h1", "r1", "crm", Duration.ofMillis(50), this::publish))
                .verifyError(TimeoutException.class);
        Awaitility.await().until(() -> pending.size() == 0);

        StepVerifier.create(await("h1", "r2"))
                .then(() -> pending.complete(scored("h1", "r2")))
                .expectNextCount(1)
                .verifyComplete();
        assertThat(published).hasValue(2);
    }

    @Test
    void aLateJoinerSharesTheWaitsTimeout() {
        Disposable first = pending.await("h1", "r1", "crm", Duration.ofMillis(200), this::publish).subscribe(r -> { }, e -> { });
        StepVerifier.create(pending.await("h1", "r2", "crm", LONG, this::publish))
                .expectError(TimeoutException.class)
                .verify(Duration.ofSeconds(5));
        first.dispose();
        assertThat(published).hasValue(1);
    }

    @Test
    void eachClientWaitsOnItsOwnRequestAndNeverGetsAnothersFailure() {
        Mono<LookupResult> crm = pending.await("h1", "r1", "crm", LONG, this::publish);
        Mono<LookupResult> webTool = pending.await("h1", "r2", "web-tool", LONG, this::publish);

        StepVerifier.create(crm)
                .then(() -> StepVerifier.create(webTool)
                        .then(() -> pending.complete(failed("h1", "r1", Origin.INTERACTIVE)))
                        .expectNoEvent(Duration.ofMillis(50))
                        .then(() -> pending.complete(scored("h1", "r2")))
                        .expectNextMatches(r -> r.outcome() == Outcome.SCORED)
                        .verifyComplete())
                .expectNextMatches(r -> r.outcome() == Outcome.UNAVAILABLE)
                .verifyComplete();
        assertThat(published).hasValue(2);
        assertThat(pending.size()).isZero();
    }

    @Test
    void oneFreshAnswerAnswersEveryClientsWaitForTheNumber() {
        Mono<LookupResult> crm = pending.await("h1", "r1", "crm", LONG, this::publish);
        Mono<LookupResult> webTool = pending.await("h1", "r2", "web-tool", LONG, this::publish);

        StepVerifier.create(Mono.zip(crm, webTool))
                .then(() -> pending.complete(scored("h1", "r1")))
                .assertNext(both -> assertThat(both.getT2().requestId()).isEqualTo("r1"))
                .verifyComplete();
        assertThat(pending.size()).isZero();
    }

    @Test
    void aClientThatAsksLaterHasATimeoutOfItsOwn() {
        Disposable first = pending.await("h1", "r1", "crm", Duration.ofMillis(100), this::publish)
                .subscribe(r -> { }, e -> { });
        StepVerifier.create(pending.await("h1", "r2", "web-tool", LONG, this::publish))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(300))
                .then(() -> pending.complete(failed("h1", "r2", Origin.INTERACTIVE)))
                .expectNextMatches(r -> r.requestId().equals("r2"))
                .verifyComplete();
        first.dispose();
    }

    @Test
    void aFailedPublishFailsTheWaitAndForgetsIt() {
        StepVerifier.create(pending.await("h1", "r1", "crm", LONG, () -> Mono.error(new IllegalStateException("kafka down"))))
                .verifyError(IllegalStateException.class);
        Awaitility.await().until(() -> pending.size() == 0);
    }
}
