package dev.spamcheck.worker.shadow;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ReputationProvider;
import dev.spamcheck.worker.telnyx.TelnyxReputation;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A second provider in shadow mode ({@code spamcheck.providers.telnyx.mode: shadow}): after Twilio
 * scored a number, a sample of them is asked of it too, off the lookup's thread, so it never delays
 * or changes an answer. It has its own rate (per worker; what is sampled beyond it is skipped), its
 * own daily limit (all workers together) and its own bounded queue (what does not fit is skipped),
 * and is never retried. Each comparison is counted ({@code spamcheck.provider.comparisons}, and
 * {@code spamcheck.provider.agreement}, the share agreed of those decided) and stored per day for
 * {@code GET /api/v1/admin/providers}: the way to judge a move off Lookup v1 before making it.
 */
@Component
public class ShadowLookups implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ShadowLookups.class);
    private static final String PROVIDER = "telnyx";
    private static final int QUEUE = 1000;

    private final ReputationProvider provider;
    private final WorkerProperties.Telnyx settings;
    private final ShadowStore store;
    private final MeterRegistry meters;
    private final RateLimiter rate;
    private final ThreadPoolExecutor calls;
    private final AtomicLong agreed = new AtomicLong();
    private final AtomicLong decided = new AtomicLong();

    @Autowired
    public ShadowLookups(WorkerProperties properties, ShadowStore store, MeterRegistry meters) {
        this(properties.providers().telnyx().mode() == WorkerProperties.ShadowMode.SHADOW
                ? new TelnyxReputation(properties.providers().telnyx()) : null,
                properties.providers().telnyx(), store, meters);
    }

    /** @param provider the shadow provider, or null when none is asked */
    ShadowLookups(ReputationProvider provider, WorkerProperties.Telnyx settings, ShadowStore store,
            MeterRegistry meters) {
        this.provider = provider;
        this.settings = settings;
        this.store = store;
        this.meters = meters;
        this.rate = RateLimiter.of("shadow-" + PROVIDER, RateLimiterConfig.custom()
                .limitForPeriod(settings.rate()).limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO).build());
        this.calls = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "shadow-" + PROVIDER);
            thread.setDaemon(true);
            return thread;
        });
        Gauge.builder("spamcheck.provider.agreement", this,
                shadow -> shadow.decided.get() == 0 ? Double.NaN : (double) shadow.agreed.get() / shadow.decided.get())
                .tag("provider", PROVIDER)
                .description("Share of the shadow provider's verdicts that agreed with the answer given, of those "
                        + "with a verdict, since this worker started")
                .register(meters);
    }

    /** A number Twilio has just scored; returns at once. */
    public void offer(String e164, int spamScore) {
        if (provider == null || ThreadLocalRandom.current().nextDouble() >= settings.sample()) {
            return;
        }
        if (!rate.acquirePermission()) {
            skipped("rate");
            return;
        }
        try {
            calls.execute(() -> compare(e164, spamScore));
        }
        catch (RejectedExecutionException full) {
            skipped("queue_full");
        }
    }

    private void compare(String e164, int spamScore) {
        try {
            if (!store.tryTakeCall(PROVIDER, settings.dailyCallLimit())) {
                skipped("daily_limit");
                return;
            }
            ProviderAnswer answer = provider.ask(e164, settings.timeout());
            if (Thread.currentThread().isInterrupted()) {
                // Stopping: a call cut short says nothing about the provider.
                return;
            }
            record(Agreement.of(answer, spamScore));
        }
        catch (RuntimeException ex) {
            // A shadow comparison never matters to an answer: counted and logged, without the number
            // (by the failure's class: a message might quote the request's URL, which holds it).
            skipped("error");
            log.warn("Shadow comparison with {} failed: {}", PROVIDER, ex.getClass().getSimpleName());
        }
    }

    private void record(Agreement agreement) {
        if (agreement != Agreement.UNDECIDED) {
            decided.incrementAndGet();
            if (agreement == Agreement.AGREED) {
                agreed.incrementAndGet();
            }
        }
        store.record(PROVIDER, agreement);
        meters.counter("spamcheck.provider.comparisons", "provider", PROVIDER, "result", agreement.label())
                .increment();
    }

    private void skipped(String reason) {
        meters.counter("spamcheck.provider.skipped", "provider", PROVIDER, "reason", reason).increment();
    }

    @Override
    public void destroy() throws InterruptedException {
        calls.shutdownNow();
        calls.awaitTermination(5, TimeUnit.SECONDS);
    }
}
