package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.spamcheck.gateway.TestProperties;
import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;

/**
 * The in-memory view of fresh answers: an answer is served exactly as long as PostgreSQL would
 * serve it, the latest check wins, a tombstone removes it at once, and a hit it holds costs no
 * database query.
 */
class AnswerViewTest {

    private static final Duration TTL = Duration.ofHours(24);
    private static final String HASH = "a".repeat(64);
    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final Duration MARGIN = Duration.ofMinutes(1);

    private final MutableClock clock = new MutableClock(NOW);
    private final AnswerView view = new AnswerView(1000, TTL, MARGIN, clock);

    @Test
    void anAnswerIsAHitUntilTheMillisecondItCouldBePastTheTtlByAClockWithinTheMargin() {
        view.seen(HASH, scored(1, NOW.minus(Duration.ofHours(23))));

        Answer hit = view.fresh(HASH);
        assertThat(hit).isEqualTo(new Answer(Outcome.SCORED, 1, NOW.minus(Duration.ofHours(23)), null, true, false));

        // PostgreSQL stamped the check by its own clock, which may be up to the margin ahead of this one.
        clock.now = NOW.plus(Duration.ofHours(1)).minus(MARGIN).minusMillis(1);
        assertThat(view.fresh(HASH)).isNotNull();
        assertThat(view.isFresh(NOW.minus(Duration.ofHours(23)))).isTrue();
        clock.now = NOW.plus(Duration.ofHours(1)).minus(MARGIN);
        assertThat(view.fresh(HASH)).isNull();
        assertThat(view.isFresh(NOW.minus(Duration.ofHours(23)))).isFalse();
        // Nor is such an answer served when taken in again, from PostgreSQL or the topic...
        view.seen(HASH, scored(1, NOW.minus(Duration.ofHours(23))));
        assertThat(view.fresh(HASH)).isNull();
        // ...but the view knows of it until no clock within the margin holds it fresh.
        clock.now = NOW.plus(Duration.ofHours(1)).plus(MARGIN).minusMillis(1);
        assertThat(view.lacks(HASH)).isFalse();
        clock.now = NOW.plus(Duration.ofHours(1)).plus(MARGIN);
        assertThat(view.lacks(HASH)).isTrue();
    }

    @Test
    void aClockMarginOverHalfTheTtlIsRefusedAtStart() {
        // Served for the TTL less the margin, the view would hold next to nothing.
        assertThatThrownBy(() -> new AnswerView(1000, Duration.ofMinutes(1), MARGIN, clock))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("SPAMCHECK_ANSWER_VIEW_CLOCK_MARGIN");
        assertThat(new AnswerView(1000, Duration.ofMinutes(2), MARGIN, clock).isFresh(NOW)).isTrue();
    }

    @Test
    void theLaterCheckWinsWhicheverArrivesLast() {
        view.seen(HASH, scored(1, NOW.minusSeconds(10)));
        view.seen(HASH, scored(0, NOW.minusSeconds(60)));
        assertThat(view.fresh(HASH).spamScore()).isEqualTo(1);

        view.seen(HASH, scored(0, NOW.minusSeconds(5)));
        assertThat(view.fresh(HASH).spamScore()).isZero();
    }

    @Test
    void aTombstoneRemovesTheNumberAtOnce() {
        view.seen(HASH, scored(1, NOW));
        view.forget(HASH);
        assertThat(view.fresh(HASH)).isNull();
    }

    @Test
    void onlyAnswersPostgresqlWouldServeAreKept() {
        view.seen(HASH, new Answer(Outcome.UNAVAILABLE, null, NOW, "rate_limited", false, false));
        view.seen("b".repeat(64), scored(0, NOW.minus(TTL)));
        assertThat(view.fresh(HASH)).isNull();
        assertThat(view.fresh("b".repeat(64))).isNull();

        view.seen("c".repeat(64), new Answer(Outcome.NOT_FOUND, null, NOW, null, false, false));
        assertThat(view.fresh("c".repeat(64))).isEqualTo(new Answer(Outcome.NOT_FOUND, null, NOW, null, true, false));
    }

    @Test
    void theViewStaysWithinItsSize() {
        AnswerView small = new AnswerView(100, TTL, MARGIN, clock);
        for (int i = 0; i < 1000; i++) {
            small.seen(String.format("%064d", i), scored(0, NOW));
        }
        // Caffeine evicts on its own executor, moments after the writes.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(java.util.stream.IntStream.range(0, 1000)
                .filter(i -> small.fresh(String.format("%064d", i)) != null).count()).isLessThanOrEqualTo(100));
    }

    @Test
    void aHitTheViewHoldsMakesNoDatabaseQueryAndADatabaseHitIsReadOnce() {
        RealLookups real = new RealLookups();
        Instant checked = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        when(real.database.findFresh(HASH, real.shared.cacheTtl()))
                .thenReturn(Mono.just(new Answer(Outcome.SCORED, 1, checked, null, true, false)));

        for (int i = 0; i < 5; i++) {
            assertThat(real.lookups.answer("+12025550123", HASH, null, "r" + i, "tok_test", null).block())
                    .isEqualTo(new Answer(Outcome.SCORED, 1, checked, null, true, false));
        }

        verify(real.database, times(1)).findFresh(any(), any());
        verify(real.requested, times(5)).mark(HASH);
        assertThat(real.meters.get("spamcheck.gateway.answers").tag("source", "view").counter().count())
                .isEqualTo(4);
        assertThat(real.meters.get("spamcheck.gateway.answers").tag("source", "database").counter().count())
                .isEqualTo(1);
        assertThat(real.meters.get("spamcheck.gateway.answer.view.size").gauge().value()).isEqualTo(1);
    }

    /** Before its wait is registered, a result arriving would answer nobody, and another lookup be asked for. */
    @Test
    void aResultThatArrivesWhilePostgreSqlIsReadAnswersWithoutAnotherLookup() {
        RealLookups real = new RealLookups();
        Instant checked = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Answer arrived = new Answer(Outcome.SCORED, 1, checked, null, false, false);
        // Another request's lookup is answered while this one's PostgreSQL read is under way.
        when(real.database.findFresh(HASH, real.shared.cacheTtl())).thenReturn(Mono.fromSupplier(() -> {
            real.view.seen(HASH, arrived);
            return null;
        }));

        assertThat(real.lookups.answer("+12025550123", HASH, null, "r1", "tok_test", null).block())
                .as("answered from the view, as a hit")
                .isEqualTo(new Answer(Outcome.SCORED, 1, checked, null, true, false));

        verifyNoInteractions(real.kafka);
        assertThat(real.meters.get("spamcheck.gateway.answers").tag("source", "view").counter().count()).isEqualTo(1);
    }

    @Test
    void theViewHoldsEveryFreshAnswerOnlyOnceItHasReadEveryResultForLongerThanTheTtl() {
        assertThat(view.holdsEveryFreshAnswer()).as("no position on the topic yet").isFalse();

        view.readingFromNow();
        clock.now = NOW.plus(TTL).plus(MARGIN).minusMillis(1);
        assertThat(view.holdsEveryFreshAnswer()).as("an answer checked just before could still be fresh").isFalse();
        clock.now = clock.now.plusMillis(1);
        assertThat(view.holdsEveryFreshAnswer()).isTrue();

        // The consumer positioned anew (a restarted container): what came meanwhile was not read.
        view.readingFromNow();
        assertThat(view.holdsEveryFreshAnswer()).isFalse();
    }

    @Test
    void aViewWarmedFromTheTopicHoldsEveryFreshAnswerAtOnceUnlessItLostOneMeanwhile() {
        AnswerView.Gap positioned = view.readingFromNow();
        view.warmedFrom(positioned, NOW.minus(TTL).minus(MARGIN));
        assertThat(view.holdsEveryFreshAnswer()).isTrue();

        AnswerView small = new AnswerView(10, TTL, MARGIN, clock);
        AnswerView.Gap smallPositioned = small.readingFromNow();
        for (int i = 0; i < 100; i++) {
            small.seen(String.format("%064d", i), scored(0, clock.now));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> java.util.stream.IntStream.range(0, 100)
                .filter(i -> small.fresh(String.format("%064d", i)) != null).count() <= 10);
        small.warmedFrom(smallPositioned, NOW.minus(TTL).minus(MARGIN));
        assertThat(small.holdsEveryFreshAnswer()).as("answers were pushed out while it warmed").isFalse();
    }

    @Test
    void anAnswerPushedOutByTheSizeBoundLeavesTheViewPartialForATtl() {
        AnswerView small = new AnswerView(100, TTL, MARGIN, clock);
        small.readingFromNow();
        clock.now = NOW.plus(TTL).plus(MARGIN).plusSeconds(1);
        assertThat(small.holdsEveryFreshAnswer()).isTrue();

        for (int i = 0; i < 1000; i++) {
            small.seen(String.format("%064d", i), scored(0, clock.now));
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> !small.holdsEveryFreshAnswer());
        clock.now = clock.now.plus(TTL).plus(MARGIN).plusSeconds(1);
        assertThat(small.holdsEveryFreshAnswer()).isTrue();
    }

    @Test
    void anAnswerInItsTtlsLastMinuteIsLeftToPostgresqlEvenByAWholeView() {
        ReputationCache database = mock(ReputationCache.class);
        TopicSender kafka = mock(TopicSender.class);
        SpamcheckProperties shared = shared();
        AnswerView whole = new AnswerView(1000, shared.cacheTtl(), MARGIN, clock);
        whole.readingFromNow();
        clock.now = NOW.plus(shared.cacheTtl()).plus(MARGIN).plusSeconds(1);
        assertThat(whole.holdsEveryFreshAnswer()).isTrue();
        Instant checked = clock.now.minus(shared.cacheTtl()).plusSeconds(30);
        whole.seen(HASH, scored(1, checked));
        Answer stillFresh = new Answer(Outcome.SCORED, 1, checked, null, true, false);
        when(database.findFresh(HASH, shared.cacheTtl())).thenReturn(Mono.just(stillFresh));
        NumberProtection protection = NumberProtection.fromSecrets(shared.hashKey(), shared.encryptionKeys());
        LookupService lookups = new LookupService(whole, database, mock(RequestedNumbers.class), new PendingLookups(),
                kafka, protection, TestProperties.gateway(Map.of()), shared, new SimpleMeterRegistry());

        // PostgreSQL, by its own clock, still holds it fresh: a read, not a worker's round trip.
        assertThat(lookups.answer("+12025550123", HASH, null, "r1", "tok_test", null).block()).isEqualTo(stillFresh);
        verify(kafka, never()).send(any(), any(), any());
    }

    @Test
    void aNumberAWholeViewLacksIsLookedUpWithoutADatabaseRead() {
        ReputationCache database = mock(ReputationCache.class);
        RequestedNumbers requested = mock(RequestedNumbers.class);
        TopicSender kafka = mock(TopicSender.class);
        PendingLookups pending = new PendingLookups();
        SpamcheckProperties shared = shared();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AnswerView whole = new AnswerView(1000, shared.cacheTtl(), MARGIN, clock);
        whole.readingFromNow();
        clock.now = NOW.plus(shared.cacheTtl()).plus(MARGIN).plusSeconds(1);
        NumberProtection protection = NumberProtection.fromSecrets(shared.hashKey(), shared.encryptionKeys());
        String hash = protection.protect("+12025550123").hash();
        LookupService lookups = new LookupService(whole, database, requested, pending, kafka, protection,
                TestProperties.gateway(Map.of()), shared, meters);
        Instant checked = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        // The worker finds the number in PostgreSQL after all (stored, never seen on the topic here).
        when(kafka.send(any(), any(), any())).thenAnswer(call -> {
            pending.complete(new dev.spamcheck.schemas.topic.LookupResult("r1", hash, "v1.k1.x", "0123",
                    Outcome.SCORED, 1, checked, null, true, null, null));
            return Mono.empty();
        });

        // From the cache (audited as a hit), though this gateway asked a worker for it.
        assertThat(lookups.answer("+12025550123", hash, null, "r1", "tok_test", null).block())
                .isEqualTo(new Answer(Outcome.SCORED, 1, checked, null, true, false));

        verify(database, never()).findFresh(any(), any());
        verify(kafka, times(1)).send(any(), any(), any());
        verify(requested).mark(hash);
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "lookup").counter().count()).isEqualTo(1);
        assertThat(meters.get("spamcheck.gateway.answers").tag("source", "database").counter().count()).isZero();
    }

    @Test
    void aResultSeenOnTheTopicIsAHitWithoutAnyQuery() {
        ReputationCache database = mock(ReputationCache.class);
        view.seen(HASH, Answer.of(new dev.spamcheck.schemas.topic.LookupResult("r1", HASH, "v1.k1.x", "0123",
                Outcome.SCORED, 0, NOW.minusSeconds(1), null, false, null, null)));
        assertThat(view.fresh(HASH)).isNotNull();
        verify(database, never()).findFresh(any(), any());
    }

    @Test
    void aHitKeepsTheRiskAndSourcesAndSharesEqualVerdicts() {
        List<SourceVerdict> sources = List.of(
                new SourceVerdict("nomorobo_spamscore", SourceVerdict.Verdict.FLAGGED, 100, List.of(), "successful"),
                new SourceVerdict("icehook_scout", SourceVerdict.Verdict.FLAGGED, 80, List.of("likely"), "successful"));
        view.seen(HASH, new Answer(Outcome.SCORED, 1, NOW.minusSeconds(1), null, false, false, null, 90, sources));
        view.seen("b".repeat(64), new Answer(Outcome.SCORED, 1, NOW.minusSeconds(1), null, false, false, null, 90,
                List.of(new SourceVerdict("nomorobo_spamscore", SourceVerdict.Verdict.FLAGGED, 100, List.of(),
                        "successful"))));

        Answer hit = view.fresh(HASH);
        assertThat(hit.risk()).isEqualTo(90);
        assertThat(hit.sources()).isEqualTo(sources);
        assertThat(view.fresh("b".repeat(64)).sources().get(0)).isSameAs(hit.sources().get(0));
    }

    private static Answer scored(int score, Instant checkedAt) {
        return new Answer(Outcome.SCORED, score, checkedAt, null, false, false);
    }

    /** A lookup service over a view on the real clock, PostgreSQL and Kafka stood in for. */
    private static final class RealLookups {

        final ReputationCache database = mock(ReputationCache.class);
        final RequestedNumbers requested = mock(RequestedNumbers.class);
        final TopicSender kafka = mock(TopicSender.class);
        final SpamcheckProperties shared = shared();
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final AnswerView view = new AnswerView(TestProperties.gateway(Map.of()), shared, meters);
        final LookupService lookups = new LookupService(view, database, requested, new PendingLookups(), kafka,
                NumberProtection.fromSecrets(shared.hashKey(), shared.encryptionKeys()), TestProperties.gateway(Map.of()),
                shared, meters);
    }

    private static final class MutableClock extends Clock {

        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static SpamcheckProperties shared() {
        return new Binder(new MapConfigurationPropertySource(Map.of(
                "spamcheck.hash-key", "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
                "spamcheck.encryption-keys", "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=")))
                .bindOrCreate("spamcheck", SpamcheckProperties.class);
    }
}
