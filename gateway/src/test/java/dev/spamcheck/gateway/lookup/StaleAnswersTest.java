package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.TestProperties;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;

/**
 * Stale if error: when no fresh answer can be had, a number's last score younger than
 * {@code stale-if-error} (and the caller's {@code max_stale}) is given, marked stale; otherwise
 * the failure is.
 */
class StaleAnswersTest {

    private static final String NUMBER = "+12025550123";
    private static final String HASH = "b".repeat(64);
    private static final Duration STALE_IF_ERROR = Duration.ofDays(7);
    private static final Instant THREE_DAYS_AGO = Instant.now().minus(Duration.ofDays(3));

    private final ReputationCache database = mock(ReputationCache.class);
    private final PendingLookups pending = mock(PendingLookups.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final SpamcheckProperties shared = new Binder(new MapConfigurationPropertySource(Map.of(
            "spamcheck.hash-key", "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            "spamcheck.encryption-keys", "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=")))
            .bindOrCreate("spamcheck", SpamcheckProperties.class);
    private final GatewayProperties properties = TestProperties.gateway(Map.of());
    private final LookupService lookups = new LookupService(new AnswerView(properties, shared, meters), database,
            mock(RequestedNumbers.class), pending, mock(TopicSender.class),
            NumberProtection.fromSecrets(shared.hashKey(), shared.encryptionKeys()), properties, shared, meters);

    StaleAnswersTest() {
        when(database.findFresh(HASH, shared.cacheTtl())).thenReturn(Mono.empty());
    }

    @Test
    void whenTheWorkerCannotAnswerTheLastScoreIsGivenStaleWithItsOwnCheckTime() {
        workerAnswers(unavailable("circuit_open"));
        lastAnswer(new Answer(Outcome.SCORED, 1, THREE_DAYS_AGO, null, true, false));

        Answer answer = lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block();

        assertThat(answer).isEqualTo(new Answer(Outcome.SCORED, 1, THREE_DAYS_AGO, null, true, true));
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "stale").counter().count()).isEqualTo(1);
    }

    @Test
    void whenNoResultComesInTimeTheLastScoreIsGivenStale() {
        when(pending.await(anyString(), anyString(), anyString(), any(), any())).thenReturn(Mono.error(new TimeoutException()));
        lastAnswer(new Answer(Outcome.SCORED, 0, THREE_DAYS_AGO, null, true, false));

        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block().stale()).isTrue();
    }

    @Test
    void aCallerAskingForNoStaleAnswerGetsTheFailureAndNoOlderScoreIsRead() {
        workerAnswers(unavailable("circuit_open"));
        lastAnswer(new Answer(Outcome.SCORED, 1, THREE_DAYS_AGO, null, true, false));

        Answer answer = lookups.answer(NUMBER, HASH, null, "r1", "tok_test", Duration.ZERO).block();

        assertThat(answer.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        verify(database, never()).findFresh(HASH, STALE_IF_ERROR);
    }

    @Test
    void aCallerAskingForNoStaleAnswerStillGetsOneStoredSince() {
        Instant aMinuteAgo = Instant.now().minusSeconds(60);
        workerAnswers(unavailable("circuit_open"));
        when(database.findFresh(HASH, shared.cacheTtl()))
                .thenReturn(Mono.empty(), Mono.just(new Answer(Outcome.SCORED, 1, aMinuteAgo, null, true, false)));

        Answer answer = lookups.answer(NUMBER, HASH, null, "r1", "tok_test", Duration.ZERO).block();

        assertThat(answer).isEqualTo(new Answer(Outcome.SCORED, 1, aMinuteAgo, null, true, false));
    }

    @Test
    void aCallersMaxStaleLowersTheLimitButNeverRaisesIt() {
        workerAnswers(unavailable("rate_limited"));
        when(database.findFresh(eq(HASH), eq(Duration.ofHours(36)))).thenReturn(Mono.empty());
        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", Duration.ofHours(36)).block().outcome())
                .isEqualTo(Outcome.UNAVAILABLE);
        verify(database).findFresh(HASH, Duration.ofHours(36));

        lastAnswer(new Answer(Outcome.SCORED, 1, THREE_DAYS_AGO, null, true, false));
        assertThat(lookups.answer(NUMBER, HASH, null, "r2", "tok_test", Duration.ofDays(365)).block().stale()).isTrue();
        verify(database).findFresh(HASH, STALE_IF_ERROR);
    }

    @Test
    void aNumberTwilioDidNotKnowIsNeverGivenStale() {
        workerAnswers(unavailable("budget_exhausted"));
        lastAnswer(new Answer(Outcome.NOT_FOUND, null, THREE_DAYS_AGO, null, true, false));

        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block())
                .extracting(Answer::outcome, Answer::errorCode).containsExactly(Outcome.UNAVAILABLE, "budget_exhausted");
    }

    @Test
    void withoutALastScoreOrWithPostgresqlDownTooTheCallerHearsWhyThereIsNoAnswer() {
        when(pending.await(anyString(), anyString(), anyString(), any(), any())).thenReturn(Mono.error(new TimeoutException()));
        when(database.findFresh(HASH, STALE_IF_ERROR)).thenReturn(Mono.empty());
        assertThatThrownBy(() -> lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block())
                .isInstanceOfSatisfying(ApiException.class,
                        failure -> assertThat(failure.errorCode()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));

        when(database.findFresh(HASH, STALE_IF_ERROR)).thenReturn(Mono.error(new IllegalStateException("down")));
        assertThatThrownBy(() -> lookups.answer(NUMBER, HASH, null, "r2", "tok_test", null).block())
                .isInstanceOfSatisfying(ApiException.class,
                        failure -> assertThat(failure.errorCode()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE));
    }

    @Test
    void anAnswerStoredSinceTheRequestFoundNoneIsGivenFreshNotStale() {
        // Another gateway's lookup stored it while this one's request was on its way; then the worker failed.
        Instant aMinuteAgo = Instant.now().minusSeconds(60);
        workerAnswers(unavailable("circuit_open"));
        lastAnswer(new Answer(Outcome.NOT_FOUND, null, aMinuteAgo, null, true, false));

        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block())
                .isEqualTo(new Answer(Outcome.NOT_FOUND, null, aMinuteAgo, null, true, false));
        // Counted once, as the lookup it followed.
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "lookup").counter().count()).isEqualTo(1);
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "database").counter().count()).isZero();
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "stale").counter().count()).isZero();
    }

    @Test
    void anAnswerWithinTheClockMarginOfItsTtlIsFreshOrStaleAsPostgresqlsClockHasIt() {
        // Within the clock margin (a minute) of its TTL by this gateway's clock: PostgreSQL, whose
        // clock may be that far apart, decides.
        Instant almostADayAgo = Instant.now().minus(shared.cacheTtl()).plusSeconds(30);
        Answer last = new Answer(Outcome.SCORED, 1, almostADayAgo, null, true, false);
        workerAnswers(unavailable("circuit_open"));
        lastAnswer(last);

        // Expired by its clock: stale, for a caller taking stale answers.
        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block()).isEqualTo(last.asStale());
        // Fresh by its clock (asked by the TTL once more, after none when the request looked): fresh.
        when(database.findFresh(HASH, shared.cacheTtl())).thenReturn(Mono.empty(), Mono.just(last));
        assertThat(lookups.answer(NUMBER, HASH, null, "r3", "tok_test", null).block()).isEqualTo(last);
    }

    @Test
    void aCallerAcceptingLessStaleThanTheTtlStillGetsAFreshAnswer() {
        Instant twoHoursAgo = Instant.now().minus(Duration.ofHours(2));
        workerAnswers(unavailable("circuit_open"));
        // None when the request looked; stored by the time the worker failed.
        when(database.findFresh(HASH, shared.cacheTtl()))
                .thenReturn(Mono.empty(), Mono.just(new Answer(Outcome.SCORED, 1, twoHoursAgo, null, true, false)));

        Answer answer = lookups.answer(NUMBER, HASH, null, "r1", "tok_test", Duration.ofHours(1)).block();

        assertThat(answer.stale()).isFalse();
        assertThat(answer.checkedAt()).isEqualTo(twoHoursAgo);
    }

    @Test
    void aFreshAnswerIsNeverReplacedByAStaleOne() {
        LookupResult scored = new LookupResult("r1", HASH, "v1.k1.x", "0123", Outcome.SCORED, 0, Instant.now(), null,
                false, null, null);
        workerAnswers(scored);

        assertThat(lookups.answer(NUMBER, HASH, null, "r1", "tok_test", null).block().stale()).isFalse();
        verify(database, never()).findFresh(HASH, STALE_IF_ERROR);
    }

    private void workerAnswers(LookupResult result) {
        when(pending.await(anyString(), anyString(), anyString(), any(), any())).thenReturn(Mono.just(result));
    }

    private void lastAnswer(Answer answer) {
        when(database.findFresh(HASH, STALE_IF_ERROR)).thenReturn(Mono.just(answer));
    }

    private static LookupResult unavailable(String errorCode) {
        return new LookupResult("r1", HASH, "v1.k1.x", "0123", Outcome.UNAVAILABLE, null, Instant.now(), errorCode, false,
                null, null);
    }
}
