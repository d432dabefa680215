package dev.spamcheck.devstack.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.DevStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Where the devstack's lookup-workers spent the time of the lookups they made during Gatling's
 * measured phase, from their own timers: each stage's mean over its own count.
 *
 * @param lookups the lookups whose result was published meanwhile
 * @param restMs per published lookup, the time handling it less its rate waits and Twilio calls
 */
record MissTimes(long lookups, double queuedMs, double handledMs, double rateWaitMs, double twilioMs, double restMs) {

    /** Snapshots the workers' timers as the measured phase opens and closes. */
    static final class Window implements LoadGenerator.Window {

        private final DevStack stack;
        private Totals opened;
        private Totals closed;

        Window(DevStack stack) {
            this.stack = stack;
        }

        @Override
        public void opened() {
            opened = Totals.of(stack);
        }

        @Override
        public void closed() {
            closed = Totals.of(stack);
        }

        MissTimes times() {
            if (opened == null || closed == null) {
                throw new IllegalStateException("Gatling never reported its measured phase");
            }
            long lookups = closed.handled.count - opened.handled.count;
            double otherMs = (closed.handled.totalMs - opened.handled.totalMs)
                    - (closed.rateWait.totalMs - opened.rateWait.totalMs) - (closed.twilio.totalMs - opened.twilio.totalMs);
            return new MissTimes(lookups, closed.queued.meanSince(opened.queued), closed.handled.meanSince(opened.handled),
                    closed.rateWait.meanSince(opened.rateWait), closed.twilio.meanSince(opened.twilio),
                    lookups == 0 ? 0 : otherMs / lookups);
        }
    }

    private record Totals(Sum queued, Sum handled, Sum rateWait, Sum twilio) {

        static Totals of(DevStack stack) {
            List<MeterRegistry> registries = stack.workers().stream().map(ConfigurableApplicationContext.class::cast)
                    .map(worker -> worker.getBean(MeterRegistry.class)).toList();
            return new Totals(Sum.of(registries, "spamcheck.lookup.queued"), Sum.of(registries, "spamcheck.lookup.handled"),
                    Sum.of(registries, "spamcheck.twilio.rate_limiter.wait"), Sum.of(registries, "spamcheck.twilio.latency"));
        }
    }

    /** A timer's count and total time over every worker (and every tag: only interactive lookups run here). */
    private record Sum(long count, double totalMs) {

        static Sum of(List<MeterRegistry> registries, String name) {
            List<Timer> timers = registries.stream().flatMap(meters -> meters.find(name).timers().stream()).toList();
            return new Sum(timers.stream().mapToLong(Timer::count).sum(),
                    timers.stream().mapToDouble(timer -> timer.totalTime(TimeUnit.MILLISECONDS)).sum());
        }

        double meanSince(Sum before) {
            long count = this.count - before.count;
            return count == 0 ? 0 : (totalMs - before.totalMs) / count;
        }
    }
}
