package dev.spamcheck.worker.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.ReputationStore.StoredAnswer;
import dev.spamcheck.worker.shadow.ShadowLookups;
import dev.spamcheck.worker.shadow.ShadowStore;
import dev.spamcheck.worker.twilio.StandInTwilio;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A lookup request from the worker's point of view, against a real PostgreSQL and a stand-in
 * Twilio over HTTP: a new number is paid for once and stored, a cached one costs nothing, two
 * lookups of one number at once make one call, an answer past the TTL is paid for again, a caller
 * who is gone costs nothing, and a failing Twilio leaves nothing stored.
 */
class LookupProcessorTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final StandInTwilio TWILIO = new StandInTwilio();
    private static final String HASH_KEY = key();
    private static final String KEY_1 = key();
    private static final NumberProtection PROTECTION = NumberProtection.fromSecrets(HASH_KEY, "k1:" + KEY_1);
    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final UnstoredAnswers unstored = new UnstoredAnswers(new ReputationStore(jdbc), meters);
    private final LookupProcessor processor = processor();

    @AfterAll
    static void stopTwilio() {
        TWILIO.close();
    }

    @Test
    void aNewNumberIsPaidForOnceStoredAndThenAnsweredFromTheCache() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550042");

        LookupResult first = processor.process(request(number)).orElseThrow();
        LookupResult again = processor.process(request(number)).orElseThrow();

        assertThat(first.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(first.spamScore()).isEqualTo(1);
        assertThat(first.fromCache()).isFalse();
        assertThat(again.fromCache()).isTrue();
        assertThat(again.spamScore()).isEqualTo(1);
        assertThat(TWILIO.calls()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT number_ciphertext FROM phone_reputation WHERE number_hash = ?")
                .param(number.hash()).query(String.class).single())
                .as("stored protected, never in plaintext").doesNotContain("2125550042");
        assertThat(claims(number)).as("the claim is given up with the stored answer").isZero();
    }

    @Test
    void aRequestHandledAgainPublishesTheAnswerItPaidForAsPaidEvenOnceItsCallerHasGone() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550043");
        LookupRequest request = request(number);
        LookupResult paid = processor.process(request).orElseThrow();

        // Its worker died before Kafka took that result: the request comes again, after its deadline.
        LookupRequest again = new LookupRequest(request.requestId(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, null, Instant.now().minusSeconds(10),
                Instant.now().minusSeconds(1));
        LookupResult republished = processor.process(again).orElseThrow();

        assertThat(republished.fromCache()).as("the notifier takes only paid answers as changes").isFalse();
        assertThat(republished.checkedAt()).isEqualTo(paid.checkedAt());
        assertThat(republished.spamScore()).isEqualTo(1);
        assertThat(processor.process(request(number)).orElseThrow().fromCache()).as("another request's").isTrue();
        assertThat(TWILIO.calls()).isEqualTo(1);
        assertThat(meters.get("spamcheck.lookup.cache").tag("result", "miss").counter().count())
                .as("the paid call, counted once").isEqualTo(1);
        assertThat(meters.get("spamcheck.lookup.cache").tag("result", "hit").counter().count())
                .as("only the other request's answer from the cache").isEqualTo(1);
    }

    @Test
    void twoLookupsOfOneNumberAtOnceMakeOnePaidCall() throws Exception {
        TWILIO.answers(0, 500);
        ProtectedNumber number = PROTECTION.protect("+12125550777");
        ExecutorService callers = Executors.newFixedThreadPool(2);
        List<LookupResult> results = new ArrayList<>();
        try {
            Callable<Optional<LookupResult>> lookUp = () -> processor.process(request(number));
            for (Future<Optional<LookupResult>> answer : callers.invokeAll(List.of(lookUp, lookUp))) {
                results.add(answer.get().orElseThrow());
            }
        }
        finally {
            callers.shutdownNow();
        }
        assertThat(results).allSatisfy(result -> {
            assertThat(result.outcome()).isEqualTo(Outcome.SCORED);
            assertThat(result.spamScore()).isZero();
        });
        assertThat(results).extracting(LookupResult::fromCache).as("one paid, the other waited for its answer")
                .containsExactlyInAnyOrder(false, true);
        assertThat(TWILIO.calls()).isEqualTo(1);
        assertThat(paidChecks(number)).isEqualTo(1);
        assertThat(claims(number)).as("the claim is released").isZero();
    }

    @Test
    void anAnswerYoungerThanTheCacheTtlCostsNothingAndAnOlderOneIsPaidForAgain() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550555");
        processor.process(request(number)).orElseThrow();

        // 23 hours old, under the default 24 h TTL: answered from the table even though Twilio now fails.
        TWILIO.fails(500);
        age(number, "23 hours");
        LookupResult cached = processor.process(request(number)).orElseThrow();
        assertThat(cached.fromCache()).isTrue();
        assertThat(cached.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(cached.spamScore()).isEqualTo(1);
        assertThat(TWILIO.calls()).isZero();
        assertThat(meters.get("spamcheck.lookup.cache").tag("result", "hit").counter().count()).isEqualTo(1);

        // 25 hours old: stale, so Twilio is paid again and the new answer replaces the old one.
        TWILIO.answers(0, 0);
        age(number, "25 hours");
        LookupResult paid = processor.process(request(number)).orElseThrow();
        assertThat(paid.fromCache()).isFalse();
        assertThat(paid.spamScore()).isZero();
        assertThat(TWILIO.calls()).isEqualTo(1);
        assertThat(paidChecks(number)).isEqualTo(2);
        assertThat(jdbc.sql("SELECT spam_score FROM phone_reputation WHERE number_hash = ?").param(number.hash())
                .query(Integer.class).single()).isZero();
        assertThat(meters.get("spamcheck.lookup.cache").tag("result", "miss").counter().count()).isEqualTo(2);
    }

    @Test
    void aNumberTwilioDoesNotKnowIsStoredAsNotFoundAndCached() throws Exception {
        TWILIO.fails(404);
        ProtectedNumber number = PROTECTION.protect("+12125554040");

        LookupResult first = processor.process(request(number)).orElseThrow();
        LookupResult again = processor.process(request(number)).orElseThrow();

        assertThat(first.outcome()).isEqualTo(Outcome.NOT_FOUND);
        assertThat(first.spamScore()).isNull();
        assertThat(first.fromCache()).isFalse();
        assertThat(again.outcome()).isEqualTo(Outcome.NOT_FOUND);
        assertThat(again.fromCache()).isTrue();
        assertThat(TWILIO.calls()).isEqualTo(1);
    }

    @Test
    void anInteractiveLookupWhoseCallerHasGoneIsNotPaidFor() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550999");
        LookupRequest late = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, null, Instant.now().minusSeconds(10),
                Instant.now().minusSeconds(1));

        assertThat(processor.process(late)).isEmpty();
        assertThat(TWILIO.calls()).isZero();
        assertThat(meters.get("spamcheck.lookup.expired").counter().count()).isEqualTo(1);
    }

    @Test
    void anInteractiveLookupWithTooLittleTimeLeftForACallTellsItsCallerAtOnce() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550998");
        // 600 ms until the caller's deadline: less the time kept to deliver the answer, not enough for a call.
        LookupRequest hurried = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, null, Instant.now().minusSeconds(4),
                Instant.now().plusMillis(600));

        LookupResult result = processor.process(hurried).orElseThrow();
        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.errorCode()).isEqualTo("lookup_budget_exhausted");
        assertThat(TWILIO.calls()).isZero();
        assertThat(meters.get("spamcheck.lookup.expired").counter().count()).as("its caller was not gone").isZero();
    }

    @Test
    void aFailingTwilioGivesAnUnavailableResultAndStoresNothing() throws Exception {
        TWILIO.fails(500);
        ProtectedNumber number = PROTECTION.protect("+12125555000");

        LookupResult result = processor.process(request(number)).orElseThrow();

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.errorCode()).isEqualTo("twilio_http_500");
        assertThat(result.spamScore()).isNull();
        assertThat(result.fromCache()).isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation WHERE number_hash = ?").param(number.hash())
                .query(Long.class).single()).isZero();
        assertThat(paidChecks(number)).as("no check recorded").isZero();
        assertThat(TWILIO.calls()).as("the first call and three retries").isEqualTo(4);
        assertThat(claims(number)).as("the claim is released with nothing stored").isZero();

        // Nothing was cached: once Twilio is back, the number is looked up again.
        TWILIO.answers(1, 0);
        LookupResult later = processor.process(request(number)).orElseThrow();
        assertThat(later.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(later.fromCache()).isFalse();
    }

    @Test
    void anAnswerIsStoredAndPublishedUnderTheActiveKeyWhateverKeyItsRequestCameWith() throws Exception {
        TWILIO.answers(1, 0);
        // A re-check queued under k1 before the rotation, looked up once k2 is the active key.
        ProtectedNumber number = PROTECTION.protect("+12125550077");
        NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "k2:" + key() + ",k1:" + KEY_1);

        LookupResult result = processor(rotated).process(request(number)).orElseThrow();

        assertThat(NumberProtection.keyIdOf(result.numberCiphertext())).isEqualTo("k2");
        assertThat(NumberProtection.keyIdOf(jdbc.sql("SELECT number_ciphertext FROM phone_reputation WHERE number_hash = ?")
                .param(number.hash()).query(String.class).single())).isEqualTo("k2");
        assertThat(rotated.decrypt(result.numberCiphertext(), number.hash())).isEqualTo("+12125550077");
    }

    @Test
    void aPaidAnswerPostgresqlCannotStoreIsPublishedAllTheSame() throws Exception {
        TWILIO.answers(1, 0);
        int callsBefore = TWILIO.calls();
        ProtectedNumber number = PROTECTION.protect("+12125550079");
        ReputationStore failingOver = new ReputationStore(jdbc) {
            @Override
            StoredAnswer save(LookupRequest request, UUID claimOwner, Outcome outcome, Integer spamScore, Integer risk,
                    List<SourceVerdict> sources) {
                throw new TransientDataAccessResourceException("the primary is failing over");
            }
        };

        LookupResult result = processor(PROTECTION, failingOver).process(request(number)).orElseThrow();

        assertThat(result.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(result.spamScore()).isEqualTo(1);
        assertThat(result.fromCache()).isFalse();
        assertThat(TWILIO.calls()).isEqualTo(callsBefore + 1);
        assertThat(claims(number)).as("the claim is given up").isZero();
        assertThat(meters.get("spamcheck.lookup.unstored").counter().count()).as("counted for the operator's alert")
                .isEqualTo(1);
        assertThat(paidChecks(number)).isZero();

        // PostgreSQL is back: the answer is stored as it was published, its paid check recorded once.
        unstored.storeWaiting();
        unstored.storeWaiting();
        assertThat(unstored.waiting()).isZero();
        assertThat(paidChecks(number)).isEqualTo(1);
        Map<String, Object> row = jdbc.sql("SELECT spam_score, checked_at FROM phone_reputation WHERE number_hash = ?")
                .param(number.hash()).query().singleRow();
        assertThat(((Number) row.get("spam_score")).intValue()).isEqualTo(1);
        assertThat(((java.sql.Timestamp) row.get("checked_at")).toInstant())
                .isEqualTo(result.checkedAt());
        // Answered from the cache now, without another call.
        int callsAfter = TWILIO.calls();
        assertThat(processor.process(request(number)).orElseThrow().fromCache()).isTrue();
        assertThat(TWILIO.calls()).isEqualTo(callsAfter);
    }

    @Test
    void anUnstoredAnswerWaitsWhilePostgresqlIsAwayAndNeverReplacesANewerOne() throws Exception {
        ProtectedNumber number = PROTECTION.protect("+12125550081");
        AtomicInteger refusals = new AtomicInteger(1);
        UnstoredAnswers waiting = new UnstoredAnswers(new ReputationStore(jdbc) {
            @Override
            void keep(LookupRequest request, LookupResult result) {
                if (refusals.getAndDecrement() > 0) {
                    throw new TransientDataAccessResourceException("still failing over");
                }
                super.keep(request, result);
            }
        }, meters);
        LookupRequest request = request(number);
        Instant paidAt = Instant.now().minus(Duration.ofMinutes(5));
        waiting.add(request, new LookupResult(request.requestId(), number.hash(), number.ciphertext(), number.last4(),
                Outcome.SCORED, 1, paidAt, null, false, LookupRequest.Origin.INTERACTIVE, null));

        waiting.storeWaiting();
        assertThat(waiting.waiting()).as("kept while PostgreSQL is away").isEqualTo(1);
        assertThat(paidChecks(number)).isZero();
        // Meanwhile another lookup of the number stored a newer answer.
        TWILIO.answers(0, 0);
        processor.process(request(number)).orElseThrow();
        waiting.storeWaiting();

        assertThat(waiting.waiting()).isZero();
        assertThat(jdbc.sql("SELECT spam_score FROM phone_reputation WHERE number_hash = ?").param(number.hash())
                .query(Integer.class).single()).as("the newer answer stays").isZero();
        assertThat(paidChecks(number)).as("both paid checks recorded").isEqualTo(2);
    }

    @Test
    void aNumberNoConfiguredKeyReadsFailsAtOnceWithoutACall() throws Exception {
        TWILIO.answers(1, 0);
        int callsBefore = TWILIO.calls();
        NumberProtection retired = NumberProtection.fromSecrets(HASH_KEY, "k9:" + key());
        ProtectedNumber number = retired.protect("+12125550078");

        LookupResult result = processor.process(request(number)).orElseThrow();

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.errorCode()).isEqualTo(LookupProcessor.NUMBER_UNREADABLE);
        assertThat(TWILIO.calls()).isEqualTo(callsBefore);
        assertThat(claims(number)).as("the claim is released").isZero();
    }

    @Test
    void anUnstoredAnswerWhoseStoringWasNotHeardOfIsRecordedOnceAndOneRefusedHoldsUpNoOther() throws Exception {
        ProtectedNumber lost = PROTECTION.protect("+12125550082");
        ProtectedNumber refused = PROTECTION.protect("+12125550083");
        ProtectedNumber behind = PROTECTION.protect("+12125550084");
        AtomicInteger lostAcks = new AtomicInteger(1);
        UnstoredAnswers waiting = new UnstoredAnswers(new ReputationStore(jdbc) {
            @Override
            void keep(LookupRequest request, LookupResult result) {
                if (request.numberHash().equals(refused.hash())) {
                    throw new org.springframework.dao.DataIntegrityViolationException("value too long");
                }
                super.keep(request, result);
                // Committed, but the worker never hears so (the connection dropped): it tries again.
                if (request.numberHash().equals(lost.hash()) && lostAcks.getAndDecrement() > 0) {
                    throw new TransientDataAccessResourceException("connection reset");
                }
            }
        }, meters);
        for (ProtectedNumber number : List.of(lost, refused, behind)) {
            LookupRequest request = request(number);
            waiting.add(request, new LookupResult(request.requestId(), number.hash(), number.ciphertext(),
                    number.last4(), Outcome.SCORED, 0, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                    null, false, LookupRequest.Origin.INTERACTIVE, null));
        }

        waiting.storeWaiting();
        waiting.storeWaiting();

        assertThat(waiting.waiting()).isZero();
        assertThat(paidChecks(lost)).as("recorded once").isEqualTo(1);
        assertThat(paidChecks(refused)).isZero();
        assertThat(paidChecks(behind)).as("not held up by the refused one").isEqualTo(1);
    }

    private long claims(ProtectedNumber number) {
        return jdbc.sql("SELECT count(*) FROM lookup_claims WHERE number_hash = ?").param(number.hash())
                .query(Long.class).single();
    }

    private long paidChecks(ProtectedNumber number) {
        return jdbc.sql("SELECT count(*) FROM lookup_results WHERE number_hash = ?").param(number.hash())
                .query(Long.class).single();
    }

    private void age(ProtectedNumber number, String age) {
        jdbc.sql("UPDATE phone_reputation SET checked_at = now() - CAST(? AS interval) WHERE number_hash = ?")
                .params(age, number.hash()).update();
    }

    private LookupProcessor processor() {
        return processor(PROTECTION);
    }

    private LookupProcessor processor(NumberProtection protection) {
        return processor(protection, new ReputationStore(jdbc));
    }

    private LookupProcessor processor(NumberProtection protection, ReputationStore store) {
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        SpamcheckProperties shared = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("spamcheck", SpamcheckProperties.class);
        return new LookupProcessor(store, new LookupClaims(jdbc),
                TWILIO.lookups(DATABASE, meters), new ShadowLookups(properties, new ShadowStore(jdbc), meters),
                unstored, protection, properties, shared, meters);
    }

    private static LookupRequest request(ProtectedNumber number) {
        return new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(), number.last4(),
                LookupRequest.Origin.INTERACTIVE, null, Instant.now(), Instant.now().plus(Duration.ofSeconds(5)));
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
