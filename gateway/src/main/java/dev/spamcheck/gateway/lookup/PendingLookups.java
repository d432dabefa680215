package dev.spamcheck.gateway.lookup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupResult;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Requests waiting for lookup-worker, by number hash. Concurrent requests for one number share
 * one lookup request; any result for the number, whichever gateway asked for it, answers them
 * all.
 */
@Component
class PendingLookups {

    private final ConcurrentMap<String, CompletableFuture<LookupResult>> pending = new ConcurrentHashMap<>();

    /**
     * Waits for the next result for the number. {@code publish} runs only if nobody on this
     * instance is waiting for the number already. The caller bounds the wait; a caller that gives
     * up leaves the others waiting.
     */
    Mono<LookupResult> await(String numberHash, Supplier<Mono<Void>> publish) {
        return Mono.defer(() -> {
            CompletableFuture<LookupResult> created = new CompletableFuture<>();
            CompletableFuture<LookupResult> existing = pending.putIfAbsent(numberHash, created);
            if (existing != null) {
                return Mono.fromFuture(existing, true).publishOn(Schedulers.parallel());
            }
            return publish.get()
                    .doOnError(error -> {
                        pending.remove(numberHash, created);
                        created.completeExceptionally(error);
                    })
                    .then(Mono.fromFuture(created, true))
                    // Results arrive on the Kafka consumer thread: answer callers elsewhere.
                    .publishOn(Schedulers.parallel())
                    // A timed-out wait must not leave a future that later requests would join
                    // without publishing anew.
                    .doOnCancel(() -> pending.remove(numberHash, created));
        });
    }

    /** Answers everyone waiting for the result's number; results nobody waits for are ignored. */
    void complete(LookupResult result) {
        CompletableFuture<LookupResult> waiting = pending.remove(result.numberHash());
        if (waiting != null) {
            waiting.complete(result);
        }
    }

    int size() {
        return pending.size();
    }
}
