package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Service;

import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.ReputationStore.StoredAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.VerdictPolicy;
import dev.spamcheck.worker.shadow.ShadowLookups;
import dev.spamcheck.worker.twilio.CallGuard;
import dev.spamcheck.worker.twilio.TwilioLookups;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers one lookup request, paying Twilio at most once per number per TTL, and never for a
 * caller who is gone: from the cache when a fresh answer exists; otherwise whoever claims the
 * number asks Twilio, within the time the request has left, while duplicates wait for that answer.
 * An interactive request whose caller stops waiting before a Twilio call could be made gets no
 * answer at all, unless the cache has one by then; one whose caller still waits, with too little
 * time left for a call, is answered {@code lookup_budget_exhausted} at once.
 */
@Service
public class LookupProcessor {

    /** The error of a lookup whose number another call was still being asked about when its time ran out. */
    public static final String IN_PROGRESS = "lookup_in_progress";
    /** The error of a lookup whose number no configured encryption key reads. */
    public static final String NUMBER_UNREADABLE = "number_unreadable";

    private static final Logger log = LoggerFactory.getLogger(LookupProcessor.class);
    /** How often a lookup looks again while another holds its number: from this, doubling up to {@link #MAX_POLL}. */
    private static final Duration FIRST_POLL = Duration.ofMillis(25);
    private static final Duration MAX_POLL = Duration.ofMillis(200);
    private static final Duration CLAIM_MARGIN = Duration.ofSeconds(5);
    /** Time kept back from a caller's deadline to publish the result and for the gateway to read it. */
    static final Duration PUBLISH_MARGIN = Duration.ofMillis(250);

    private final ReputationStore store;
    private final LookupClaims claims;
    private final TwilioLookups twilio;
    private final ShadowLookups shadow;
    private final NumberProtection protection;
    private final WorkerProperties properties;
    private final Duration cacheTtl;
    private final Counter hits;
    private final Counter misses;
    private final Counter expired;
    private final UnstoredAnswers unstored;

    LookupProcessor(ReputationStore store, LookupClaims claims, TwilioLookups twilio, ShadowLookups shadow,
            UnstoredAnswers unstored, NumberProtection protection, WorkerProperties properties,
            SpamcheckProperties shared, MeterRegistry meters) {
        this.store = store;
        this.claims = claims;
        this.twilio = twilio;
        this.shadow = shadow;
        this.unstored = unstored;
        this.protection = protection;
        this.properties = properties;
        this.cacheTtl = shared.cacheTtl();
        this.hits = Counter.builder("spamcheck.lookup.cache").tag("result", "hit")
                .description("Lookup requests answered from the cache, or by paying Twilio (miss)").register(meters);
        this.misses = Counter.builder("spamcheck.lookup.cache").tag("result", "miss")
                .description("Lookup requests answered from the cache, or by paying Twilio (miss)").register(meters);
        this.expired = Counter.builder("spamcheck.lookup.expired")
                .description("Interactive lookups not made because their caller had stopped waiting").register(meters);
    }

    /** The result to publish; empty when nobody is waiting for one. */
    public Optional<LookupResult> process(LookupRequest received) throws InterruptedException {
        LookupRequest request = underActiveKey(received);
        boolean bulk = request.origin().isBulk();
        long deadline = System.nanoTime()
                + budget(request, Instant.now(), properties.lookupBudget(), properties.prewarmBudget()).toNanos();
        UUID owner = UUID.randomUUID();
        while (true) {
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            boolean mayCall = left.compareTo(TwilioLookups.MIN_ATTEMPT) >= 0;
            LookupClaims.Attempt attempt = mayCall
                    ? claims.claimUnlessFresh(request.numberHash(), request.requestId(), owner, bulk,
                            left.plus(CLAIM_MARGIN), cacheTtl)
                    : store.findFresh(request.numberHash(), request.requestId(), cacheTtl);
            if (attempt.fresh().isPresent()) {
                if (!attempt.paidByRequest()) {
                    hits.increment();
                }
                // The answer this very request paid for (counted as a miss then), handled again:
                // published as paid.
                return Optional.of(result(request, attempt.fresh().get(), !attempt.paidByRequest()));
            }
            if (!mayCall) {
                if (!bulk && callerGone(request)) {
                    expired.increment();
                    log.info("Lookup {} for ***{} not made: its caller stopped waiting", request.requestId(),
                            request.last4());
                    return Optional.empty();
                }
                // The caller still waits, if not long enough for a call: it hears so now rather than
                // at the end of its own wait.
                return Optional.of(unavailable(request, TwilioLookups.LOOKUP_BUDGET_EXHAUSTED));
            }
            if (attempt.claimed()) {
                // What is left now: the claim took its time, and a call must not outlast the caller.
                Duration leftNow = Duration.ofNanos(deadline - System.nanoTime());
                if (leftNow.compareTo(TwilioLookups.MIN_ATTEMPT) < 0) {
                    // Too little for a call after all: given up, and the next turn ends it as above.
                    release(request, owner);
                    continue;
                }
                Asked asked = null;
                try {
                    misses.increment();
                    CallGuard guard = bulk ? claims.guard(request.numberHash(), owner) : CallGuard.NONE;
                    asked = askTwilio(request, owner, guard, leftNow);
                    return asked.result();
                }
                finally {
                    if (asked == null || !asked.stored()) {
                        release(request, owner);
                    }
                }
            }
            // Another lookup of this number is under way (another worker's, or a bulk one): its answer
            // will do. Rare, since one number's requests share a partition; one query a look, backing off.
            Duration poll = FIRST_POLL;
            while (store.progress(request.numberHash(), bulk, cacheTtl) == ReputationStore.Progress.CLAIMED) {
                if (System.nanoTime() + poll.toNanos() > deadline) {
                    return Optional.of(unavailable(request, IN_PROGRESS));
                }
                Thread.sleep(poll.toMillis());
                poll = poll.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : poll.multipliedBy(2);
            }
        }
    }

    /** Whether the interactive caller's own wait is over (a request naming no deadline waits the lookup budget). */
    private static boolean callerGone(LookupRequest request) {
        return request.deadline() == null || !Instant.now().isBefore(request.deadline());
    }

    /**
     * The request with its number under the active key, since what is stored and published from it
     * must not bring back a key being retired: a re-check the nightly job queued before a rotation
     * carries the old one, and would put the number's row and result back under it.
     */
    private LookupRequest underActiveKey(LookupRequest request) {
        if (protection.activeKeyId().equals(NumberProtection.keyIdOf(request.numberCiphertext()))) {
            return request;
        }
        try {
            return new LookupRequest(request.requestId(), request.numberHash(),
                    protection.reencrypt(request.numberCiphertext(), request.numberHash()), request.last4(),
                    request.origin(), request.campaignId(), request.requestedAt(), request.deadline(), request.client());
        }
        catch (IllegalArgumentException unreadable) {
            // No configured key reads it: the lookup fails where it decrypts, as before.
            return request;
        }
    }

    /**
     * How long the request may take here: until its caller's deadline (less the time to deliver
     * the answer), at most {@code lookup-budget}; bulk work has {@code prewarm-budget}.
     */
    static Duration budget(LookupRequest request, Instant now, Duration lookupBudget, Duration prewarmBudget) {
        if (request.origin().isBulk()) {
            return prewarmBudget;
        }
        if (request.deadline() == null) {
            return lookupBudget;
        }
        Duration untilDeadline = Duration.between(now, request.deadline()).minus(PUBLISH_MARGIN);
        return untilDeadline.compareTo(lookupBudget) < 0 ? untilDeadline : lookupBudget;
    }

    /**
     * The whole time the request's caller gave the lookup here, by which the circuit breaker judges
     * whether a call was cut short: its {@link #budget} from when it was asked (the gateway's clock,
     * as its deadline), and never less than what is left of it now by this worker's clock, which
     * may be behind the gateway's.
     */
    static Duration given(LookupRequest request, Duration left, Duration lookupBudget, Duration prewarmBudget) {
        Duration whole = request.requestedAt() == null ? lookupBudget
                : budget(request, request.requestedAt(), lookupBudget, prewarmBudget);
        return whole.compareTo(left) < 0 ? left : whole;
    }

    /** What asking Twilio gave: the result to publish, and whether it was stored (which gave up the claim). */
    private record Asked(Optional<LookupResult> result, boolean stored) {

        static Asked stored(LookupResult result) {
            return new Asked(Optional.of(result), true);
        }

        static Asked notStored(LookupResult result) {
            return new Asked(Optional.ofNullable(result), false);
        }
    }

    private Asked askTwilio(LookupRequest request, UUID owner, CallGuard guard, Duration budget) {
        Duration given = given(request, budget, properties.lookupBudget(), properties.prewarmBudget());
        String e164;
        try {
            e164 = protection.decrypt(request.numberCiphertext(), request.numberHash());
        }
        catch (IllegalArgumentException unreadable) {
            // A key retired while the number still needed it: asking again cannot help.
            log.warn("Lookup {} for ***{}: no configured key reads its number", request.requestId(), request.last4());
            return Asked.notStored(unavailable(request, NUMBER_UNREADABLE));
        }
        ProviderAnswer answer = twilio.lookup(e164, !request.origin().isBulk(), request.client(), budget, given, guard);
        if (answer instanceof ProviderAnswer.Answered answered) {
            // Billed either way; the sources' verdicts make the score, or say why there is none.
            VerdictPolicy.Decision decision = properties.verdict().policy().decide(answered.sources(),
                    properties.verdict().threshold());
            if (!decision.decided()) {
                return Asked.notStored(unavailable(request, decision.errorCode()));
            }
            Asked asked = store(request, owner, Outcome.SCORED, decision.spamScore(), decision.risk(),
                    answered.sources());
            shadow.offer(e164, decision.spamScore());
            return asked;
        }
        if (answer instanceof ProviderAnswer.NotFound) {
            return store(request, owner, Outcome.NOT_FOUND, null, null, null);
        }
        ProviderAnswer.Unavailable unavailable = (ProviderAnswer.Unavailable) answer;
        if (unavailable.errorCode().equals(TwilioLookups.SUPERSEDED)) {
            // An interactive lookup took the number over; it publishes the answer.
            return Asked.notStored(null);
        }
        return Asked.notStored(unavailable(request, unavailable.errorCode(), unavailable.retryAfter()));
    }

    /**
     * Stores a paid answer. One PostgreSQL cannot take (a fail-over) is published all the same,
     * never thrown away: the results topic keeps it, gateways answer from it, and
     * {@link UnstoredAnswers} stores it once PostgreSQL is back.
     */
    private Asked store(LookupRequest request, UUID owner, Outcome outcome, Integer spamScore, Integer risk,
            List<SourceVerdict> sources) {
        try {
            return Asked.stored(result(request, store.save(request, owner, outcome, spamScore, risk, sources), false));
        }
        catch (DataAccessException unsaved) {
            log.error("Lookup {} for ***{}: answer paid for but not stored ({}); published all the same, to be "
                    + "stored once PostgreSQL takes it", request.requestId(), request.last4(),
                    unsaved.getClass().getSimpleName());
            // In PostgreSQL's precision, so the row stored later has the very time published now.
            Instant checkedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            LookupResult result = result(request, new StoredAnswer(outcome, spamScore, checkedAt, risk, sources),
                    false);
            unstored.add(request, result);
            return Asked.notStored(result);
        }
    }

    /** Gives the claim up; one the database cannot delete lapses on its own. */
    private void release(LookupRequest request, UUID owner) {
        try {
            claims.release(request.numberHash(), owner);
        }
        catch (DataAccessException ex) {
            log.warn("Lookup {} for ***{}: claim not given up ({}); it lapses on its own", request.requestId(),
                    request.last4(), ex.getClass().getSimpleName());
        }
    }

    private static LookupResult unavailable(LookupRequest request, String errorCode) {
        return unavailable(request, errorCode, null);
    }

    /** @param retryAfter when asking again may help (the circuit's open time, Twilio's Retry-After), or null */
    private static LookupResult unavailable(LookupRequest request, String errorCode, Duration retryAfter) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), Outcome.UNAVAILABLE, null, Instant.now(), errorCode, false, request.origin(),
                request.campaignId(), retryAfter == null ? null : Math.max(1, retryAfter.toSeconds()));
    }

    private static LookupResult result(LookupRequest request, StoredAnswer answer, boolean fromCache) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), answer.outcome(), answer.spamScore(), answer.checkedAt(), null, fromCache,
                request.origin(), request.campaignId(), null, answer.risk(), answer.sources());
    }
}
