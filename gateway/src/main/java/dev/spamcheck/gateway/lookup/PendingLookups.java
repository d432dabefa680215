package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Requests waiting for lookup-worker, by number hash. Concurrent requests for one number on this
 * instance share one lookup request and one wait. The wait owns its timeout (the first request's
 * deadline) and ends only when a result answers it or the timeout passes; requests may join and
 * leave it freely, and a request that leaves changes nothing for the others. The result of the
 * wait's own request answers it; so does any definitive result for the number checked since the
 * wait started, whichever gateway or prewarm asked for it. An older answer on the results topic (a
 * record republished by key rotation, a replayed request) never does: it may be stale.
 */
@Component
class PendingLookups {

    private final ConcurrentMap<String, SharedWait> waits = new ConcurrentHashMap<>();

    /**
     * Waits for the number's answer; fails with a {@link java.util.concurrent.TimeoutException}
     * when none comes in time.
     *
     * @param requestId the id of the request {@code publish} sends, if this request starts the wait
     * @param timeout how long a wait this request starts lasts
     * @param publish sends the lookup request; called only when no wait for the number is under way
     */
    Mono<LookupResult> await(String numberHash, String requestId, Duration timeout, Supplier<Mono<Void>> publish) {
        return Mono.defer(() -> {
            SharedWait created = new SharedWait(requestId);
            SharedWait wait = waits.putIfAbsent(numberHash, created);
            if (wait == null) {
                wait = created;
                created.answer.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                        .whenComplete((result, failure) -> waits.remove(numberHash, created));
                // Not tied to this request: if its caller leaves, the others still get their answer.
                publish.get().subscribe(null, created.answer::completeExceptionally);
            }
            return Mono.fromFuture(wait.answer, true)
                    // Results arrive on the Kafka consumer thread: answer callers elsewhere.
                    .publishOn(Schedulers.parallel());
        });
    }

    /** Answers the wait for the result's number, if the result answers it. */
    void complete(LookupResult result) {
        SharedWait wait = waits.get(result.numberHash());
        if (wait != null && (result.requestId().equals(wait.requestId)
                || result.isDefinitive() && !result.checkedAt().isBefore(wait.startedAt))) {
            wait.answer.complete(result);
        }
    }

    int size() {
        return waits.size();
    }

    private record SharedWait(String requestId, Instant startedAt, CompletableFuture<LookupResult> answer) {

        SharedWait(String requestId) {
            this(requestId, Instant.now(), new CompletableFuture<>());
        }
    }
}
