package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * Answers from the in-memory view, else from PostgreSQL's cache (unless the view holds every fresh
 * answer), else asks lookup-worker and waits at most the lookup timeout; when no fresh answer can
 * be had that way, gives one stored meanwhile if there is, else the number's last score if it is
 * younger than {@code stale-if-error} (and the caller's {@code max_stale}), marked stale.
 */
@Service
class LookupService {

    private static final Logger log = LoggerFactory.getLogger(LookupService.class);

    private final AnswerView view;
    private final ReputationCache cache;
    private final RequestedNumbers requested;
    private final PendingLookups pending;
    private final TopicSender kafka;
    private final NumberProtection protection;
    private final GatewayProperties properties;
    private final Duration cacheTtl;
    private final Counter fromView;
    private final Counter fromDatabase;
    private final Counter fromLookup;
    private final Counter stale;

    LookupService(AnswerView view, ReputationCache cache, RequestedNumbers requested, PendingLookups pending,
            TopicSender kafka, NumberProtection protection, GatewayProperties properties, SpamcheckProperties shared,
            MeterRegistry meters) {
        this.view = view;
        this.cache = cache;
        this.requested = requested;
        this.pending = pending;
        this.kafka = kafka;
        this.protection = protection;
        this.properties = properties;
        this.cacheTtl = shared.cacheTtl();
        this.fromView = answers(meters, "view");
        this.fromDatabase = answers(meters, "database");
        this.fromLookup = answers(meters, "lookup");
        this.stale = answers(meters, "stale");
    }

    /** Where answers came from: the in-memory view, PostgreSQL, or a lookup (hit ratio, database load). */
    private static Counter answers(MeterRegistry meters, String source) {
        return Counter.builder("spamcheck.gateway.answers").tag("source", source)
                .description("Spam-score requests with a valid number, by where their answer came from")
                .register(meters);
    }

    /**
     * @param e164 a number already validated
     * @param hash its hash, taken once by the caller (which also tells the audit)
     * @param client the id of the token that asked: the worker lets clients take turns by it
     * @param maxStale the oldest stale answer the caller accepts, or null for the configured limit
     */
    Mono<Answer> answer(String e164, String hash, String campaignId, String requestId, String client,
            Duration maxStale) {
        Answer seen = fromView(hash);
        if (seen != null) {
            return Mono.just(seen);
        }
        if (view.holdsEveryFreshAnswer() && view.lacks(hash)) {
            // PostgreSQL can hold an answer the view lacks only in rare cases (stored, not yet read
            // here), which the worker finds before it pays; for every other miss a read would only
            // delay the lookup (bin/bench mixed: 1.6 ms at the median, 4 ms at p95). One the view
            // holds but no longer serves (in its TTL's last minute) PostgreSQL decides.
            return lookUp(e164, hash, campaignId, requestId, client, maxStale);
        }
        return cache.findFresh(hash, cacheTtl)
                .doOnNext(hit -> {
                    fromDatabase.increment();
                    view.seen(hash, hit);
                    requested.mark(hash);
                })
                .switchIfEmpty(Mono.defer(() -> {
                    // A result can arrive while PostgreSQL is read, before this request waits for
                    // one: it would answer nobody, and another lookup would be asked for.
                    Answer arrived = fromView(hash);
                    return arrived != null ? Mono.just(arrived)
                            : lookUp(e164, hash, campaignId, requestId, client, maxStale);
                }));
    }

    /** The view's fresh answer, counted and marked requested as a hit; null when it has none. */
    private Answer fromView(String hash) {
        Answer seen = view.fresh(hash);
        if (seen != null) {
            fromView.increment();
            requested.mark(hash);
        }
        return seen;
    }

    private Mono<Answer> lookUp(String e164, String hash, String campaignId, String requestId, String client,
            Duration maxStale) {
        fromLookup.increment();
        return orStale(hash, staleLimit(maxStale), askWorker(protection.protect(e164), campaignId, requestId, client));
    }

    private Duration staleLimit(Duration requested) {
        Duration configured = properties.staleIfError();
        return requested == null || requested.compareTo(configured) > 0 ? configured : requested;
    }

    /**
     * The fresh answer, or when there is none to be had (an unavailable answer, or none in time),
     * the number's answer stored since (another gateway's lookup, one whose result is still on its
     * way here), else its last score younger than {@code limit}, marked stale; failing those, the
     * failure itself. A number Twilio does not know is never given stale: only scores are.
     */
    private Mono<Answer> orStale(String hash, Duration limit, Mono<Answer> fresh) {
        return fresh
                .flatMap(answer -> answer.outcome() == Outcome.UNAVAILABLE
                        ? lastAnswer(hash, limit, Mono.just(answer)) : Mono.just(answer))
                .onErrorResume(ApiException.class, failure -> failure.errorCode() == ErrorCode.SERVICE_UNAVAILABLE
                        ? lastAnswer(hash, limit, Mono.error(failure)) : Mono.error(failure));
    }

    /** Counted as the lookup it follows, in {@code source="lookup"} ({@code stale} counts the stale ones). */
    private Mono<Answer> lastAnswer(String hash, Duration limit, Mono<Answer> otherwise) {
        Instant now = Instant.now();
        // Back to the TTL at least: an answer younger than that is fresh, however little stale the
        // caller accepts (max_stale PT0S included).
        boolean byTtl = limit.compareTo(cacheTtl) <= 0;
        return cache.findFresh(hash, byTtl ? cacheTtl : limit)
                .flatMap(last -> {
                    // Found within the TTL, PostgreSQL holds it fresh by its own clock. Found within
                    // a longer limit, this gateway's clock judges, but near the TTL, where the clocks
                    // may differ, PostgreSQL's, which stamped it, decides.
                    if (byTtl || view.isFresh(last.checkedAt())) {
                        return Mono.just(freshFromDatabase(hash, last));
                    }
                    Mono<Answer> staleOrNone = Mono.defer(() -> staleAnswer(last, limit, now));
                    return view.mayBeFresh(last.checkedAt())
                            ? cache.findFresh(hash, cacheTtl).map(fresh -> freshFromDatabase(hash, fresh))
                                    // PostgreSQL gone meanwhile: the answer in hand still serves, stale.
                                    .onErrorResume(failure -> Mono.empty())
                                    .switchIfEmpty(staleOrNone)
                            : staleOrNone;
                })
                // With PostgreSQL out too, the caller hears why there is no fresh answer.
                .onErrorResume(databaseFailure -> Mono.empty())
                .switchIfEmpty(otherwise);
    }

    private Answer freshFromDatabase(String hash, Answer fresh) {
        view.seen(hash, fresh);
        requested.mark(hash);
        return fresh;
    }

    /**
     * The answer marked stale, if the caller takes one that old: only scores, and only for a limit
     * beyond the TTL (an answer younger than that is fresh, so a stale one is always older).
     */
    private Mono<Answer> staleAnswer(Answer last, Duration limit, Instant now) {
        if (last.outcome() == Outcome.SCORED && limit.compareTo(cacheTtl) > 0
                && !last.checkedAt().isBefore(now.minus(limit))) {
            stale.increment();
            return Mono.just(last.asStale());
        }
        return Mono.empty();
    }

    private Mono<Answer> askWorker(ProtectedNumber number, String campaignId, String requestId, String client) {
        Instant requestedAt = Instant.now();
        LookupRequest request = new LookupRequest(requestId, number.hash(), number.ciphertext(), number.last4(),
                LookupRequest.Origin.INTERACTIVE, campaignId, requestedAt, requestedAt.plus(properties.lookupTimeout()),
                client);
        // Keyed by number hash, so one number's requests share a partition.
        return pending.await(number.hash(), requestId, client, properties.lookupTimeout(),
                        () -> kafka.send(Topics.LOOKUP_REQUESTS, number.hash(), request))
                .doOnNext(result -> {
                    if (result.fromCache() && result.isDefinitive()) {
                        // The worker found it in PostgreSQL after all (stored, not yet read here): a
                        // use of the cache like any other hit.
                        requested.mark(number.hash());
                    }
                })
                .map(Answer::of)
                .onErrorMap(TimeoutException.class, ex -> {
                    log.warn("No lookup result for {} within {} (request {})", number.masked(),
                            properties.lookupTimeout(), requestId);
                    return unavailable("No answer from the lookup service in time; try again shortly");
                })
                .onErrorMap(ex -> !(ex instanceof ApiException), ex -> {
                    log.warn("Could not request a lookup for {} (request {}): {}", number.masked(), requestId,
                            ex.getClass().getSimpleName());
                    return unavailable("The lookup service cannot take requests right now; try again shortly");
                });
    }

    ApiException unavailable(String detail) {
        return unavailable(detail, null);
    }

    /** @param retryAfter when asking again may help, if known; otherwise the lookup timeout */
    ApiException unavailable(String detail, Duration retryAfter) {
        return new ApiException(ErrorCode.SERVICE_UNAVAILABLE, detail,
                retryAfter == null ? properties.lookupTimeout() : retryAfter);
    }

}
