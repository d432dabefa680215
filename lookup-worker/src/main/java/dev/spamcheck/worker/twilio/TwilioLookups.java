package dev.spamcheck.worker.twilio;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;
import dev.spamcheck.worker.provider.ReputationProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Looks a number up at Twilio the way the account can afford: every attempt takes a permit from
 * the account-wide rate limit and daily limit; rate limits, 5xx and timeouts are retried (a 200
 * is billed, so one whose body is lost is not) (at most {@code max-retries} times, exponential back-off with full jitter, at least
 * Twilio's {@code Retry-After}) within the time the caller can wait; a rate-limit answer slows the
 * whole account down; a circuit breaker stops calling Twilio while it keeps failing (timeouts, 5xx,
 * unreachable, unreadable answers; rate limits do not count, nor timeouts of calls the lookup's
 * deadline cut short, see {@link #TIMEOUT_EVIDENCE}) and answers at once instead, saying how long it stays open.
 * One breaker per client (API token; bulk lookups and requests naming none share one): one client's
 * burst of numbers whose calls stall or fail opens its own circuit, not everyone's. When Twilio
 * itself fails, every client's calls fail and each circuit opens on its own evidence.
 */
@Component
public class TwilioLookups {

    private static final Logger log = LoggerFactory.getLogger(TwilioLookups.class);
    /** Less time than this left, and an attempt is not worth starting. */
    public static final Duration MIN_ATTEMPT = Duration.ofMillis(500);
    /**
     * Less time than this left for the call itself once it may go ahead (a slow database took the
     * rest), and it is not made: it could not end in time, yet would cost a slot and maybe money.
     */
    private static final Duration MIN_CALL = Duration.ofMillis(100);
    /**
     * A call cut short by its lookup's deadline to less than this (and less than {@code
     * spamcheck.twilio.timeout}, and than the whole time its caller gave the lookup, at most {@code
     * spamcheck.lookup-budget} or, for bulk work, {@code spamcheck.prewarm-budget}, less {@link
     * #MIN_ATTEMPT}) that times out tells nothing about Twilio, which answers in a few
     * hundred milliseconds: it is no failure for the circuit breaker, or one client's burst, its
     * lookups waiting for the rate until little of their time was left, would open its circuit.
     */
    static final Duration TIMEOUT_EVIDENCE = Duration.ofSeconds(1);

    /** The daily call limit is reached: nothing more is asked of Twilio today. */
    public static final String BUDGET_EXHAUSTED = "budget_exhausted";
    /** No rate budget within the time the lookup could wait. */
    public static final String RATE_BUDGET_EXHAUSTED = "rate_budget_exhausted";
    /** Too little of the lookup's own time left for a call (spent waiting for it): none was made. */
    public static final String LOOKUP_BUDGET_EXHAUSTED = "lookup_budget_exhausted";
    /** Twilio keeps failing: the circuit breaker answers for it until its open time is over. */
    public static final String CIRCUIT_OPEN = "circuit_open";
    /** An interactive lookup took a bulk lookup's number over before the bulk one called Twilio. */
    public static final String SUPERSEDED = "superseded";
    /** The lookup's thread was interrupted (the worker is stopping): nothing was learned. */
    public static final String INTERRUPTED = "interrupted";
    /** No answer within the attempt's time. */
    static final String TIMEOUT = "twilio_timeout";
    /** No connection to Twilio (refused, reset, unresolvable). */
    static final String UNREACHABLE = "twilio_unreachable";
    /** Twilio refused the account's credentials: an account-wide failure, not one client's. */
    static final String AUTH_FAILED = "twilio_auth_failed";
    /** How long no call is made after Twilio refused the credentials: one call a minute tells when they work again. */
    static final Duration AUTH_FAILED_PAUSE = Duration.ofMinutes(1);

    /**
     * Whether a lookup that failed with this code may well succeed shortly, unchanged: Twilio slow,
     * unreachable, failing (a 5xx, or an answer that is not JSON) or saying "slower", the client's
     * circuit open, or the credentials refused (until an operator fixes them). Bulk work waits and
     * asks again rather than give up on such a number.
     */
    public static boolean isPassing(String errorCode) {
        return errorCode.equals(CIRCUIT_OPEN) || errorCode.equals(AUTH_FAILED) || errorCode.equals(TwilioResponses.RATE_LIMITED)
                || errorCode.equals(TIMEOUT) || errorCode.equals(UNREACHABLE)
                || errorCode.startsWith("twilio_http_5") || errorCode.equals(TwilioResponses.MALFORMED_RESPONSE);
    }

    /**
     * Whether a passing failure is the whole account's (circuit open, credentials refused, rate
     * limited), not possibly one number's: waiting for it is never a reason to give up on an entry.
     */
    public static boolean isAccountWide(String errorCode) {
        return errorCode.equals(CIRCUIT_OPEN) || errorCode.equals(AUTH_FAILED)
                || errorCode.equals(TwilioResponses.RATE_LIMITED);
    }

    private final ReputationProvider provider;
    private final AccountRateLimiter rateLimiter;
    private final WorkerProperties.Twilio twilio;
    private final CircuitBreakerRegistry circuits;
    private final MeterRegistry meters;
    private final Timer latency;
    private final Duration openFor;
    private final Duration lookupBudget;
    /** When each circuit last opened ({@link System#nanoTime()}): how long it stays open is told to callers. */
    private final Map<String, Long> openedAt = new ConcurrentHashMap<>();
    /** Until when ({@link System#nanoTime()}) no call is made because Twilio refused the credentials. */
    private final AtomicLong credentialsRefusedUntil = new AtomicLong(System.nanoTime());
    /**
     * Twilio's last word on the credentials was a refusal: once the pause is over, one lookup (the
     * one that wins the pause's end) makes the call that tells, and the others wait for it.
     */
    private volatile boolean credentialsInDoubt;
    /** When ({@link System#nanoTime()}) Twilio last refused the credentials. */
    private volatile long credentialsRefusedAt = System.nanoTime();
    private final Duration authFailedPause;

    @Autowired
    TwilioLookups(TwilioLookupClient client, AccountRateLimiter rateLimiter, WorkerProperties properties,
            MeterRegistry meters) {
        this(client, rateLimiter, properties, meters, AUTH_FAILED_PAUSE);
    }

    /** @param authFailedPause how long no call is made after a refusal of the credentials (tests shorten it) */
    TwilioLookups(TwilioLookupClient client, AccountRateLimiter rateLimiter, WorkerProperties properties,
            MeterRegistry meters, Duration authFailedPause) {
        this.authFailedPause = authFailedPause;
        this.provider = client;
        this.rateLimiter = rateLimiter;
        this.twilio = properties.twilio();
        this.meters = meters;
        WorkerProperties.Circuit circuit = twilio.circuit();
        this.circuits = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(circuit.failureRateThreshold())
                .slidingWindowSize(circuit.slidingWindowSize())
                .minimumNumberOfCalls(circuit.minimumCalls())
                .waitDurationInOpenState(circuit.openFor())
                .permittedNumberOfCallsInHalfOpenState(3)
                // Half open when the open time is over, called or not: a client that went away
                // does not leave an open circuit in the metrics.
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
        this.openFor = circuit.openFor();
        this.lookupBudget = properties.lookupBudget();
        circuits.getEventPublisher().onEntryAdded(added -> {
            CircuitBreaker breaker = added.getAddedEntry();
            breaker.getEventPublisher().onStateTransition(event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                    openedAt.put(breaker.getName(), System.nanoTime());
                }
                log.warn("Twilio circuit breaker of {}: {}", breaker.getName(), event.getStateTransition());
            });
        });
        Gauge.builder("spamcheck.twilio.circuit.open", circuits, TwilioLookups::openCircuits)
                .description("Clients (API tokens; bulk lookups count as one) whose Twilio circuit breaker is open")
                .register(meters);
        this.latency = Timer.builder("spamcheck.twilio.latency").description("One Twilio Lookup call")
                .publishPercentileHistogram().register(meters);
    }

    /**
     * @param interactive whether a caller waits for the answer (interactive lookups go first)
     * @param client the API token that asked (interactive lookups), by which callers take turns at the rate
     * @param budget how long the lookup may take from now, retries and rate-limit waits included
     * @param given the whole time its caller gave the lookup (at most {@code spamcheck.lookup-budget};
     *        bulk work: {@code spamcheck.prewarm-budget}), of which {@code budget} is what is left
     * @param guard asked before each call whether it may still go ahead
     */
    public ProviderAnswer lookup(String e164, boolean interactive, String client, Duration budget, Duration given,
            CallGuard guard) {
        // A caller whose whole wait is too short for a second's call: what its whole wait allows is evidence.
        Duration timeoutEvidence = min(min(twilio.timeout(), TIMEOUT_EVIDENCE), given.minus(MIN_ATTEMPT));
        long deadline = System.nanoTime() + budget.toNanos();
        AtomicReference<ProviderAnswer> last = new AtomicReference<>();
        Retry retry = Retry.of("twilio", RetryConfig.<ProviderAnswer>custom()
                .maxAttempts(1 + twilio.maxRetries())
                .retryOnResult(answer -> answer.retryable() && !asksToWaitPast(answer, deadline))
                .intervalBiFunction((Integer attempt, Either<Throwable, ProviderAnswer> outcome) ->
                        backoff(attempt, outcome.isRight() ? outcome.get() : null, deadline))
                .failAfterMaxAttempts(false)
                // Only answers are retried: an exception (the database behind the rate or the claim)
                // goes to the caller at once instead of taking a trial call of the circuit each time.
                .retryOnException(failure -> false)
                .build());
        retry.getEventPublisher().onRetry(event -> meters.counter("spamcheck.twilio.retries").increment());
        ProviderAnswer answer = retry.executeSupplier(() -> {
            ProviderAnswer attempt = attempt(e164, interactive, client, deadline, timeoutEvidence, last.get(), guard);
            last.set(attempt);
            return attempt;
        });
        if (answer instanceof Unavailable unavailable) {
            log.warn("Twilio lookup for {} unavailable: {}", NumberProtection.mask(e164), unavailable.errorCode());
        }
        return answer;
    }

    /** A lookup its caller gave the whole {@code spamcheck.lookup-budget}, {@code budget} of it left. */
    public ProviderAnswer lookup(String e164, boolean interactive, String client, Duration budget, CallGuard guard) {
        return lookup(e164, interactive, client, budget, lookupBudget, guard);
    }

    private ProviderAnswer attempt(String e164, boolean interactive, String client, long deadline, Duration timeoutEvidence,
            ProviderAnswer previous, CallGuard guard) {
        Duration left = Duration.ofNanos(deadline - System.nanoTime());
        if (left.compareTo(MIN_ATTEMPT) < 0) {
            return previous instanceof Unavailable u ? new Unavailable(u.errorCode(), false, false, u.retryAfter())
                    : Unavailable.permanent(LOOKUP_BUDGET_EXHAUSTED);
        }
        long now = System.nanoTime();
        long until = credentialsRefusedUntil.get();
        long refusedFor = until - now;
        if (refusedFor <= 0 && credentialsInDoubt
                && !credentialsRefusedUntil.compareAndSet(until, now + twilio.timeout().toNanos())) {
            // Another lookup is making the one call that tells whether the credentials work again.
            refusedFor = credentialsRefusedUntil.get() - now;
        }
        if (refusedFor > 0) {
            // Every client's call would be refused alike, each costing a rate slot and the daily limit.
            count(AUTH_FAILED);
            return new Unavailable(AUTH_FAILED, false, false, Duration.ofSeconds(Math.max(1, refusedFor / 1_000_000_000L)));
        }
        CircuitBreaker circuitBreaker = circuits.circuitBreaker(circuitOf(client));
        // Taken before the wait for the rate: a half-open circuit's few trials go to the client's
        // first lookups, and its others are answered at once instead of taking rate slots from every
        // other client while those trials may still stall.
        if (!circuitBreaker.tryAcquirePermission()) {
            count(CIRCUIT_OPEN);
            return new Unavailable(CIRCUIT_OPEN, false, false, stillOpenFor(circuitBreaker));
        }
        try {
            return attemptWithPermission(e164, interactive, client, deadline, timeoutEvidence, left, guard,
                    circuitBreaker);
        }
        catch (RuntimeException failure) {
            // Before the call had an outcome (the database behind the rate or the claim failed):
            // the permission goes back, or a half-open circuit would run out of trial calls.
            circuitBreaker.releasePermission();
            throw failure;
        }
    }

    /** @param timeoutEvidence a call given at least this that times out is a failure for the circuit ({@link #TIMEOUT_EVIDENCE}) */
    private ProviderAnswer attemptWithPermission(String e164, boolean interactive, String client, long deadline,
            Duration timeoutEvidence, Duration left, CallGuard guard, CircuitBreaker circuitBreaker) {
        long waitStarted = System.nanoTime();
        AccountRateLimiter.Permit permit;
        try {
            permit = rateLimiter.acquire(interactive, client, left.minus(MIN_ATTEMPT));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            permit = AccountRateLimiter.Refused.NOT_IN_TIME;
        }
        meters.timer("spamcheck.twilio.rate_limiter.wait", "origin", interactive ? "interactive" : "bulk")
                .record(System.nanoTime() - waitStarted, TimeUnit.NANOSECONDS);
        if (!(permit instanceof AccountRateLimiter.Granted granted)) {
            circuitBreaker.releasePermission();
            String reason = permit == AccountRateLimiter.Refused.DAILY_LIMIT_REACHED ? BUDGET_EXHAUSTED
                    : RATE_BUDGET_EXHAUSTED;
            count(reason);
            return Unavailable.permanent(reason);
        }
        boolean calling;
        try {
            calling = guard.beginCall();
        }
        catch (RuntimeException claimFailed) {
            // No call went out: its slot and its place in the day's count go back, or a database
            // that fails now and then would spend the day's limit on calls never made.
            rateLimiter.refund(granted);
            throw claimFailed;
        }
        if (!calling) {
            circuitBreaker.releasePermission();
            rateLimiter.refund(granted);
            count(SUPERSEDED);
            return Unavailable.permanent(SUPERSEDED);
        }
        // A late call moves its start in the rate window first, a database write that may be slow too:
        // what is left is judged after it, right before the call would go out.
        AccountRateLimiter.Granted started = rateLimiter.starting(granted);
        long callLeft = deadline - System.nanoTime();
        if (callLeft < MIN_CALL.toNanos()) {
            // The slot first: if the claim's release fails, the slot is back all the same.
            rateLimiter.refund(started);
            guard.endCall();
            circuitBreaker.releasePermission();
            count(LOOKUP_BUDGET_EXHAUSTED);
            return Unavailable.permanent(LOOKUP_BUDGET_EXHAUSTED);
        }
        ProviderAnswer answer = null;
        Duration timeout = min(twilio.timeout(), Duration.ofNanos(callLeft));
        long sent = System.nanoTime();
        long took;
        try {
            answer = provider.ask(e164, timeout);
            took = System.nanoTime() - sent;
        }
        finally {
            // An answer stays under a closed claim until it is stored, which gives the claim up: an
            // interactive lookup taking the claim over in between would pay for the number again.
            if (!isFinal(answer)) {
                guard.endCall();
            }
        }
        latency.record(took, TimeUnit.NANOSECONDS);
        boolean refusedAgain = answer instanceof Unavailable refused && refused.errorCode().equals(AUTH_FAILED);
        if (credentialsInDoubt && !refusedAgain) {
            // Twilio answered (a 200 whose body was unreadable too, billed as any): the call that
            // told, the credentials work again and every lookup may call at once.
            boolean answered = !(answer instanceof Unavailable unavailable)
                    || unavailable.errorCode().equals(TwilioResponses.MALFORMED_RESPONSE);
            if (answered && sent - credentialsRefusedAt > 0) {
                credentialsInDoubt = false;
            }
            // Otherwise nothing was said about them (a timeout, a 5xx, a call sent before the
            // refusal): the next lookup asks again, rather than every one calling at once.
            credentialsRefusedUntil.set(System.nanoTime());
        }
        if (answer instanceof Unavailable unavailable && unavailable.errorCode().equals(TwilioResponses.RATE_LIMITED)) {
            // Neither a success nor a failure for the breaker: Twilio is up and says "slower",
            // which the account's adaptive rate takes care of.
            circuitBreaker.releasePermission();
            slowDown();
        }
        else if (answer instanceof Unavailable unavailable && unavailable.errorCode().equals(AUTH_FAILED)) {
            // Not this client's failure: the whole account pauses instead (above).
            circuitBreaker.releasePermission();
            credentialsInDoubt = true;
            credentialsRefusedAt = System.nanoTime();
            credentialsRefusedUntil.set(credentialsRefusedAt + authFailedPause.toNanos());
            // Its caller hears when a call is made again, as the lookups during the pause do.
            answer = new Unavailable(AUTH_FAILED, unavailable.retryable(), unavailable.failure(), authFailedPause);
        }
        else if (answer instanceof Unavailable unavailable && unavailable.failure()) {
            if (unavailable.errorCode().equals(TIMEOUT) && timeout.compareTo(timeoutEvidence) < 0) {
                circuitBreaker.releasePermission();
            }
            else {
                circuitBreaker.onError(took, TimeUnit.NANOSECONDS, new TwilioFailure(unavailable.errorCode()));
            }
        }
        else {
            circuitBreaker.onSuccess(took, TimeUnit.NANOSECONDS);
        }
        count(outcome(answer));
        return answer;
    }

    /**
     * Halves the account's rate, best effort: the lookup goes on with Twilio's answer (retried after
     * its back-off) when the database cannot record the cut, as when a late call's start is not moved.
     */
    private void slowDown() {
        try {
            rateLimiter.slowDown();
        }
        catch (DataAccessException | TransactionException ex) {
            log.warn("Twilio rate-limited the account, and the cut of its rate was not recorded: {}",
                    ex.getClass().getSimpleName());
        }
    }

    /** Whether the lookup ends with this answer, which its caller stores: an answer, or a number Twilio does not know. */
    private static boolean isFinal(ProviderAnswer answer) {
        return answer instanceof ProviderAnswer.Answered || answer instanceof ProviderAnswer.NotFound;
    }

    /** The circuit breaker's name for a client: the token id, or one name for all that name none. */
    private static String circuitOf(String client) {
        return client == null || client.isEmpty() ? "unnamed" : client;
    }

    private static long openCircuits(CircuitBreakerRegistry circuits) {
        return circuits.getAllCircuitBreakers().stream()
                .filter(breaker -> breaker.getState() == CircuitBreaker.State.OPEN).count();
    }

    /** The rest of the circuit's open time, in whole seconds and at least one: when to ask again. */
    private Duration stillOpenFor(CircuitBreaker circuitBreaker) {
        long left = openFor.toNanos() - (System.nanoTime() - openedAt.getOrDefault(circuitBreaker.getName(), System.nanoTime()));
        return Duration.ofSeconds(Math.max(1, (left + 999_999_999L) / 1_000_000_000L));
    }

    /**
     * Whether Twilio's {@code Retry-After} leaves no time for another attempt: the answer is given at
     * once, with when to ask again, rather than after waiting to the deadline for nothing.
     */
    private static boolean asksToWaitPast(ProviderAnswer answer, long deadline) {
        return answer instanceof Unavailable unavailable && unavailable.retryAfter() != null
                && System.nanoTime() + unavailable.retryAfter().toNanos() + MIN_ATTEMPT.toNanos() > deadline;
    }

    /** Full jitter, at least Retry-After, and never past the deadline. */
    private long backoff(int attempt, ProviderAnswer answer, long deadline) {
        long ceiling = Math.min(twilio.retryMaxDelay().toMillis(),
                twilio.retryBaseDelay().toMillis() << Math.min(attempt - 1, 20));
        long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
        if (answer instanceof Unavailable unavailable && unavailable.retryAfter() != null) {
            delay = Math.max(delay, unavailable.retryAfter().toMillis());
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        return Math.max(0, Math.min(delay, left));
    }

    private void count(String outcome) {
        meters.counter("spamcheck.twilio.calls", "outcome", outcome).increment();
    }

    private static String outcome(ProviderAnswer answer) {
        if (answer instanceof ProviderAnswer.Answered) {
            return "scored";
        }
        if (answer instanceof ProviderAnswer.NotFound) {
            return "not_found";
        }
        return ((Unavailable) answer).errorCode();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Recorded by the circuit breaker; never thrown. */
    private static final class TwilioFailure extends RuntimeException {
        TwilioFailure(String errorCode) {
            super(errorCode, null, false, false);
        }
    }
}
