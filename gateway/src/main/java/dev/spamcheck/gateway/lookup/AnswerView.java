package dev.spamcheck.gateway.lookup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The fresh answers this gateway has seen, by number hash, so that a cache hit needs no database
 * round trip: every result on the results topic (this gateway reads all of it) and every answer
 * it read from PostgreSQL. PostgreSQL stamps an answer's check and judges it fresh by its own
 * clock (checked less than {@code spamcheck.cache-ttl} ago), which may be up to the clock margin
 * from this gateway's: so an answer is served from here until the TTL less the margin, never past
 * the TTL while the clocks agree that closely, and kept until the TTL and the margin, so the view
 * knows it may still be fresh there. An entry leaves then, when a tombstone for the number arrives
 * (a purge), or when the view is full (least valuable first, Caffeine's W-TinyLFU). Holds no
 * ciphertext, so key rotation does not touch it.
 * <p>
 * What it has not seen, PostgreSQL answers ({@link ReputationCache}); a new gateway therefore
 * answers correctly from its first request and warms as it serves; before it is ready, it reads
 * what the topic holds of the last TTL ({@link AnswerViewWarmup}). Once the view has every result
 * written since a moment more than the TTL ago, and nothing was pushed out by the size bound since,
 * it {@linkplain #holdsEveryFreshAnswer() holds every fresh answer} there is, and a number it
 * lacks goes straight to a lookup.
 */
@Component
class AnswerView {

    private static final Cache<SourceVerdict, SourceVerdict> SHARED_VERDICTS = Caffeine.newBuilder()
            .maximumSize(10_000).build();
    private final Cache<String, Seen> answers;
    private final Duration ttl;
    /** How long after its check an answer is served from here: the TTL less the clock margin. */
    private final Duration servedFor;
    /** How long after its check an answer is kept: until no clock within the margin holds it fresh. */
    private final Duration keptFor;
    /** Answers are stamped by the database's clock, results' records by the workers', a gap by this gateway's. */
    private final Duration clockMargin;
    private final Clock clock;
    /** When the view last began to miss answers (null: its consumer has no position yet). */
    private final AtomicReference<Gap> lastGap = new AtomicReference<>();

    @Autowired
    AnswerView(GatewayProperties properties, SpamcheckProperties shared, MeterRegistry meters) {
        this(properties.answerView().maximumSize(), shared.cacheTtl(), properties.answerView().clockMargin(),
                Clock.systemUTC());
        Gauge.builder("spamcheck.gateway.answer.view.size", answers, Cache::estimatedSize)
                .description("Fresh answers held in this gateway's in-memory view")
                .register(meters);
        Gauge.builder("spamcheck.gateway.answer.view.whole", this, view -> view.holdsEveryFreshAnswer() ? 1 : 0)
                .description("1 while this gateway's view holds every fresh answer, so that a number it lacks"
                        + " is looked up without a database read first; 0 until then")
                .register(meters);
    }

    AnswerView(long maximumSize, Duration ttl, Duration clockMargin, Clock clock) {
        if (clockMargin.isNegative() || clockMargin.multipliedBy(2).compareTo(ttl) > 0) {
            // Served for the TTL less the margin, a view would hold little or nothing, and once it
            // had read for the TTL and the margin it would send every number it lacks to a worker.
            throw new InvalidConfigurationException("SPAMCHECK_ANSWER_VIEW_CLOCK_MARGIN (" + clockMargin
                    + ") must be at least 0 and at most half of SPAMCHECK_CACHE_TTL (" + ttl + ")");
        }
        this.ttl = ttl;
        this.clockMargin = clockMargin;
        this.servedFor = ttl.minus(clockMargin);
        this.keptFor = ttl.plus(clockMargin);
        this.clock = clock;
        this.answers = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(Expiry.writing((String hash, Seen seen) -> seen.freshFor(keptFor, clock.instant())))
                .evictionListener((String hash, Seen seen, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        gap();
                    }
                })
                .build();
    }

    /**
     * Whether a number this view lacks has no fresh answer anywhere: its consumer has read every
     * result since a moment more than the TTL (and the clock margin) ago, and the size bound
     * has pushed nothing out since. A hint, not a promise: a result not yet read, or stored but
     * never published (a worker that died in between), is still found, by the worker, which looks
     * in PostgreSQL before it pays for a lookup.
     */
    boolean holdsEveryFreshAnswer() {
        Gap since = lastGap.get();
        // An answer checked at the gap itself is no longer fresh from then on.
        return since != null && !clock.instant().isBefore(since.at().plus(ttl).plus(clockMargin));
    }

    /**
     * The results consumer has (again) a position at the end of each partition: what came before
     * was not read. Returns that gap, for {@link #warmedFrom}.
     */
    Gap readingFromNow() {
        return gap();
    }

    /**
     * Every result written since {@code from} up to where the consumer started after
     * {@code positioned} has been read into the view ({@link AnswerViewWarmup}): unless the view
     * has missed answers since (the size bound), it lacks nothing from {@code from} on.
     */
    void warmedFrom(Gap positioned, Instant from) {
        lastGap.compareAndSet(positioned, new Gap(from));
    }

    private Gap gap() {
        Gap now = new Gap(clock.instant());
        lastGap.set(now);
        return now;
    }

    /** A moment from which the view may lack answers; each one a new instance, told apart by identity. */
    record Gap(Instant at) {
    }

    /** The number's answer if this gateway holds a fresh one; a hit, as {@link ReputationCache} gives it. */
    Answer fresh(String numberHash) {
        Seen seen = answers.getIfPresent(numberHash);
        // Kept longer than served, and Caffeine expires by its own ticker: the answer's own age
        // decides, to the millisecond.
        return seen == null || !seen.freshAt(servedFor, clock.instant()) ? null : seen.asHit();
    }

    /**
     * Whether the view holds nothing for the number, not even an answer past being served that
     * PostgreSQL may still hold fresh.
     */
    boolean lacks(String numberHash) {
        Seen seen = answers.getIfPresent(numberHash);
        return seen == null || !seen.freshAt(keptFor, clock.instant());
    }

    /**
     * Whether an answer checked then may still be fresh by a clock within the margin of this
     * gateway's, PostgreSQL's included.
     */
    boolean mayBeFresh(Instant checkedAt) {
        return checkedAt.plus(keptFor).isAfter(clock.instant());
    }

    /**
     * Whether an answer checked then may be given as fresh: its TTL, less the clock margin, has not
     * run out by this gateway's clock. PostgreSQL, finding it by its own clock, may still hold it
     * fresh for up to the margin.
     */
    boolean isFresh(Instant checkedAt) {
        return checkedAt.plus(servedFor).isAfter(clock.instant());
    }

    /**
     * Keeps an answer unless the view holds a later one for the number. Only answers PostgreSQL
     * keeps as the number's cached answer are kept (a failed lookup is not one).
     */
    void seen(String numberHash, Answer answer) {
        if (answer.checkedAt() == null || answer.outcome() == Outcome.UNAVAILABLE) {
            return;
        }
        Seen next = Seen.of(answer);
        if (!next.freshAt(keptFor, clock.instant())) {
            return;
        }
        answers.asMap().merge(numberHash, next,
                (held, offered) -> offered.checkedAtMillis() >= held.checkedAtMillis() ? offered : held);
    }

    /** The number's answers are gone (a tombstone on the results topic): forget it at once. */
    void forget(String numberHash) {
        answers.invalidate(numberHash);
    }

    /**
     * 40 bytes beside the 104 of its key (and Caffeine's own ~100), and an immutable list of one
     * reference per source, handed to each hit as it is: the verdicts themselves are shared (a
     * number's risk and spam score are cached {@code Integer}s too). An {@link Answer} is made only
     * for a hit.
     */
    private record Seen(Outcome outcome, Integer spamScore, long checkedAtMillis, Integer risk,
            List<SourceVerdict> sources) {

        static Seen of(Answer answer) {
            List<SourceVerdict> sources = answer.sources() == null ? null
                    : answer.sources().stream().map(Seen::shared).toList();
            return new Seen(answer.outcome(), answer.spamScore(), answer.checkedAt().toEpochMilli(), answer.risk(),
                    sources);
        }

        /** One instance per distinct verdict: a few thousand at most (four add-ons, grades 0 to 100). */
        private static SourceVerdict shared(SourceVerdict verdict) {
            return SHARED_VERDICTS.get(verdict, same -> same);
        }

        /** How much is left of {@code span} after the check, at {@code now}. */
        Duration freshFor(Duration span, Instant now) {
            return Duration.ofMillis(checkedAtMillis + span.toMillis() - now.toEpochMilli());
        }

        boolean freshAt(Duration span, Instant now) {
            return checkedAtMillis + span.toMillis() > now.toEpochMilli();
        }

        Answer asHit() {
            return new Answer(outcome, spamScore, Instant.ofEpochMilli(checkedAtMillis), null, true, false, null, risk,
                    sources);
        }
    }
}
