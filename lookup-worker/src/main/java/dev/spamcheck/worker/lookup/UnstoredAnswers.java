package dev.spamcheck.worker.lookup;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
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
class UnstoredAnswers implements InitializingBean, DisposableBean {

    static final int MAX = 10_000;

    private static final Logger log = LoggerFactory.getLogger(UnstoredAnswers.class);

    private final ReputationStore store;
    private final Queue<Unstored> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final Counter unstored;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        // A daemon, as the worker's other threads of its own: a context never closed must not hold the JVM.
        Thread thread = new Thread(runnable, "unstored-answers");
        thread.setDaemon(true);
        return thread;
    });

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
            log.warn("Answer for ***{} paid for but not kept to be stored later: {} are waiting already; run "
                    + "replay-results once PostgreSQL is back", request.last4(), MAX);
            return;
        }
        waiting.add(new Unstored(request, result));
    }

    /** Tries on a thread of its own: while PostgreSQL is away a try may wait for a connection for long. */
    @Override
    public void afterPropertiesSet() {
        retries.scheduleWithFixedDelay(this::storeWaiting, 10, 10, TimeUnit.SECONDS);
    }

    /** Stores what is waiting, oldest first, until PostgreSQL fails again. */
    synchronized void storeWaiting() {
        int stored = 0;
        for (Unstored next = waiting.peek(); next != null; next = waiting.peek()) {
            try {
                store.keep(next.request(), next.result());
                stored++;
            }
            catch (DataIntegrityViolationException refused) {
                // Refused for what it is, not for PostgreSQL being away: every try would fail alike
                // and hold up the answers behind it. Replay cannot store it either.
                log.warn("Answer for ***{} paid for but refused by PostgreSQL ({}); given up", next.request().last4(),
                        refused.getClass().getSimpleName());
            }
            catch (DataAccessException ex) {
                log.info("{} answers paid for still wait for PostgreSQL: {}", size.get(), ex.getClass().getSimpleName());
                break;
            }
            catch (RuntimeException ex) {
                log.warn("Answer for ***{} paid for could not be stored ({}); given up", next.request().last4(),
                        ex.getClass().getSimpleName());
            }
            waiting.poll();
            size.decrementAndGet();
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
        retries.shutdownNow();
        if (size.get() > 0) {
            log.warn("Stopping with {} answers paid for but never stored; run replay-results once PostgreSQL is back",
                    size.get());
        }
    }

    private record Unstored(LookupRequest request, LookupResult result) {
    }
}
