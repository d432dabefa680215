package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.LookupResult;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/** Publishes results to {@link LookupResult#topic()}, keyed by number hash, until the broker has them. */
@Component
public class LookupResultPublisher implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(LookupResultPublisher.class);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIRST_RESEND = Duration.ofSeconds(1);
    private static final Duration MAX_RESEND = Duration.ofMinutes(1);
    private static final RetryBackoffSpec UNTIL_TAKEN = Retry.backoff(Long.MAX_VALUE, FIRST_RESEND)
            .maxBackoff(MAX_RESEND).filter(LookupResultPublisher::mayPass);

    private final TopicSender kafka;
    /** Emits once the worker stops: sends then stop being repeated, and their records stay not done. */
    private final Sinks.One<Boolean> stopped = Sinks.one();
    private volatile boolean stopping;

    LookupResultPublisher(TopicSender kafka) {
        this.kafka = kafka;
    }

    /** Publishes and waits at most 10 s for Kafka to acknowledge it. */
    public void publish(LookupResult result) {
        kafka.sendAndWait(result.topic(), result.numberHash(), result, PUBLISH_TIMEOUT);
    }

    /**
     * Publishes without waiting; the future completes once Kafka has the result, or with the
     * failure. A result that only repeats the cache or says the lookup failed is given up after
     * 10 s, as by {@link #publish}. A paid answer is sent again for as long as Kafka fails it in a
     * way that may pass (partitions without their in-sync replicas for longer than the producer's
     * {@code delivery.timeout.ms}, brokers away, credentials refused while being rotated), each
     * try lasting up to that timeout, then 1 s to a minute apart: the notifier learns that a
     * number turned from this topic alone, so such a result must get there. Its future never
     * completes if the worker stops first: the consumer then leaves the request uncommitted, and
     * the request, delivered again, finds the answer it paid for and publishes it as paid.
     */
    public CompletableFuture<Void> publishAsync(LookupResult result) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        Mono<Boolean> sent = kafka.send(result.topic(), result.numberHash(), result).thenReturn(true);
        boolean paidNow = paidNow(result);
        if (paidNow) {
            sent = sent.retryWhen(UNTIL_TAKEN.doBeforeRetry(retry -> log.warn(
                    "Lookup {} for ***{}: result not taken by Kafka ({}); sending it again", result.requestId(),
                    result.last4(), retry.failure().getClass().getSimpleName())))
                    .takeUntilOther(stopped.asMono());
        }
        sent.subscribe(taken -> acknowledged.complete(null), acknowledged::completeExceptionally);
        if (!paidNow) {
            return acknowledged.orTimeout(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        acknowledged.copy().orTimeout(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exceptionally(failure -> {
            if (failure instanceof TimeoutException && !stopping) {
                log.warn("Lookup {} for ***{}: result not yet taken by Kafka after {} s; still sending it",
                        result.requestId(), result.last4(), PUBLISH_TIMEOUT.toSeconds());
            }
            return null;
        });
        return acknowledged;
    }

    /** Whether the result is an answer paid for by its request, whose change the notifier must learn. */
    public static boolean paidNow(LookupResult result) {
        return result.outcome() != LookupResult.Outcome.UNAVAILABLE && !result.fromCache();
    }

    /**
     * Whether a send's failure may pass, anywhere in its causes: Kafka's retriable ones, refused
     * credentials or permissions (being rotated), and a wait for the acknowledgement that ended
     * first ({@link #publish}'s 10 s: the producer still tries the record).
     */
    public static boolean mayPass(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RetriableException || cause instanceof AuthorizationException
                    || cause instanceof AuthenticationException || cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void destroy() {
        stopping = true;
        stopped.tryEmitValue(true);
    }
}
