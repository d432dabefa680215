package dev.spamcheck.worker.lookup;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers paid for that PostgreSQL could not store as they came (a fail-over): they are published
 * all the same, and kept here until PostgreSQL takes them. Without their rows the cache would pay
 * for them again after a gateway restart, the nightly report would not count what they cost, and
 * the purge, which goes by the rows, would never remove them from the results topic. Held in this
 * worker's memory only, at most {@value #MAX}: what it still holds when it stops is logged, for
 * replay-results to store from the results topic (docs/operations.md).
 */
@Component
class UnstoredAnswers implements DisposableBean {

    static final int MAX = 10_000;

    private static final Logger log = LoggerFactory.getLogger(UnstoredAnswers.class);

    private final ReputationStore store;
    private final Queue<Unstored> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final Counter unstored;

    UnstoredAnswers(ReputationStore store, MeterRegistry meters) {
        this.store = store;
        this.unstored = Counter.builder("spamcheck.lookup.unstored")
                .description("Answers paid for that PostgreSQL could not store as they came, published all the same")
                .register(meters);
        Gauge.builder("spamcheck.lookup.unstored.waiting", size, AtomicInteger::get)
                .description("Of those, the ones this worker still holds to store once PostgreSQL is back")
                .register(meters);
    }

    void add(LookupRequest request, LookupResult result) {
        unstored.increment();
        if (size.incrementAndGet() > MAX) {
            size.decrementAndGet();
            log.warn("Answer for ***{} not kept to be stored later: {} are waiting already; run replay-results once "
                    + "PostgreSQL is back", request.last4(), MAX);
            return;
        }
        waiting.add(new Unstored(request, result));
    }

    /** Stores what is waiting, oldest first, until PostgreSQL fails again. Only ever on the scheduler's thread. */
    @Scheduled(fixedDelay = 10, timeUnit = TimeUnit.SECONDS)
    void storeWaiting() {
        int stored = 0;
        for (Unstored next = waiting.peek(); next != null; next = waiting.peek()) {
            try {
                store.keep(next.request(), next.result());
            }
            catch (DataAccessException stillAway) {
                break;
            }
            waiting.poll();
            size.decrementAndGet();
            stored++;
        }
        if (stored > 0) {
            log.info("Stored {} answers paid for while PostgreSQL could not take them; {} still waiting", stored,
                    size.get());
        }
    }

    int waiting() {
        return size.get();
    }

    @Override
    public void destroy() {
        if (size.get() > 0) {
            log.warn("Stopping with {} answers paid for but never stored; run replay-results once PostgreSQL is back",
                    size.get());
        }
    }

    private record Unstored(LookupRequest request, LookupResult result) {
    }
}
