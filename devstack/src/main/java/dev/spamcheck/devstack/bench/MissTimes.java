package dev.spamcheck.devstack.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.DevStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Where the devstack's lookup-workers spent an interactive miss's time during a run, from their
 * own timers: the mean of each stage over the lookups made between two snapshots.
 */
record MissTimes(long lookups, double queuedMs, double handledMs, double rateWaitMs, double twilioMs) {

    /** The workers' timers now; {@link #since} turns two of these into the run's means. */
    static MissTimes snapshot(DevStack stack) {
        List<Timer> queued = timers(stack, "spamcheck.lookup.queued");
        List<Timer> handled = timers(stack, "spamcheck.lookup.handled");
        return new MissTimes(handled.stream().mapToLong(Timer::count).sum(), total(queued), total(handled),
                total(timers(stack, "spamcheck.twilio.rate_limiter.wait")),
                total(timersAnyOrigin(stack, "spamcheck.twilio.latency")));
    }

    /** Means per lookup between {@code before} and this snapshot (whose fields are totals). */
    MissTimes since(MissTimes before) {
        long n = Math.max(1, lookups - before.lookups);
        return new MissTimes(lookups - before.lookups, (queuedMs - before.queuedMs) / n,
                (handledMs - before.handledMs) / n, (rateWaitMs - before.rateWaitMs) / n, (twilioMs - before.twilioMs) / n);
    }

    private static List<Timer> timers(DevStack stack, String name) {
        return registries(stack).stream().flatMap(meters -> meters.find(name).tag("origin", "interactive").timers().stream())
                .toList();
    }

    private static List<Timer> timersAnyOrigin(DevStack stack, String name) {
        return registries(stack).stream().flatMap(meters -> meters.find(name).timers().stream()).toList();
    }

    private static List<MeterRegistry> registries(DevStack stack) {
        return stack.workers().stream().map(ConfigurableApplicationContext.class::cast)
                .map(worker -> worker.getBean(MeterRegistry.class)).toList();
    }

    private static double total(List<Timer> timers) {
        return timers.stream().mapToDouble(timer -> timer.totalTime(TimeUnit.MILLISECONDS)).sum();
    }
}
