package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
 * Requests waiting for lookup-worker, by number hash and client (API token). Concurrent requests
 * for one number from one client on this instance share one lookup request and one wait; each client
 * has a wait of its own, so that one never gets another's failure (its circuit open, say) or waits
 * under another's deadline, and its request carries its own campaign. The worker still pays Twilio
 * once for the number: one number's requests share a partition there, taken in order, and the
 * second finds the first's answer (so a client's request may still wait behind another's there).
 * A wait owns its timeout (the first request's deadline) and ends only when a result answers it or
 * the timeout passes; requests may join and leave it freely, and a request that leaves changes
 * nothing for the others. The result of the wait's own request answers it; so does any definitive
 * result for the number checked since the wait started, whichever client, gateway or prewarm asked
 * for it. An older answer on the results topic (a record republished by key rotation, a replayed
 * request) never does: it may be stale.
 */
@Component
class PendingLookups {

    /** By number hash, then client; an entry of the first is changed only within {@code compute}, so none is left empty. */
    private final ConcurrentMap<String, ConcurrentMap<String, SharedWait>> waits = new ConcurrentHashMap<>();

    /**
     * Waits for the number's answer; fails with a {@link java.util.concurrent.TimeoutException}
     * when none comes in time.
     *
     * @param requestId the id of the request {@code publish} sends, if this request starts the wait
     * @param client the id of the token that asked
     * @param timeout how long a wait this request starts lasts
     * @param publish sends the lookup request; called only when no wait of this client for the number is under way
     */
    Mono<LookupResult> await(String numberHash, String requestId, String client, Duration timeout,
            Supplier<Mono<Void>> publish) {
        return Mono.defer(() -> {
            SharedWait created = new SharedWait(requestId);
            SharedWait[] joined = new SharedWait[1];
            waits.compute(numberHash, (hash, byClient) -> {
                ConcurrentMap<String, SharedWait> map = byClient == null ? new ConcurrentHashMap<>(2) : byClient;
                joined[0] = map.putIfAbsent(client, created);
                return map;
            });
            SharedWait wait = joined[0];
            if (wait == null) {
                wait = created;
                created.answer.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                        .whenComplete((result, failure) -> waits.computeIfPresent(numberHash, (hash, byClient) -> {
                            byClient.remove(client, created);
                            return byClient.isEmpty() ? null : byClient;
                        }));
                // Not tied to this request: if its caller leaves, the others still get their answer.
                publish.get().subscribe(null, created.answer::completeExceptionally);
            }
            return Mono.fromFuture(wait.answer, true)
                    // Results arrive on the Kafka consumer thread: answer callers elsewhere.
                    .publishOn(Schedulers.parallel());
        });
    }

    /** Answers the waits for the result's number that the result answers. */
    void complete(LookupResult result) {
        Map<String, SharedWait> byClient = waits.get(result.numberHash());
        if (byClient == null) {
            return;
        }
        for (SharedWait wait : byClient.values()) {
            if (result.requestId().equals(wait.requestId)
                    || result.isDefinitive() && !result.checkedAt().isBefore(wait.startedAt)) {
                wait.answer.complete(result);
            }
        }
    }

    int size() {
        return waits.values().stream().mapToInt(Map::size).sum();
    }

    private record SharedWait(String requestId, Instant startedAt, CompletableFuture<LookupResult> answer) {

        SharedWait(String requestId) {
            this(requestId, Instant.now(), new CompletableFuture<>());
        }
    }
}
