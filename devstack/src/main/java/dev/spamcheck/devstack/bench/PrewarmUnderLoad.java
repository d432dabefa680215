package dev.spamcheck.devstack.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.DevStack;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;

/**
 * A prewarm backlog worked off while interactive lookups keep coming: the Twilio stub must never
 * see more than the rate in any one-second window, should see close to the rate throughout, and
 * interactive lookups should be as fast as when the system is idle.
 */
public final class PrewarmUnderLoad {

    /**
     * @param backlog prewarm entries written
     * @param rate the configured account rate (calls per second)
     * @param maxCallsInAnySecond the most stub calls in any one-second window while the backlog ran
     * @param sustainedRate stub calls per second over the backlog, first and last second left out
     * @param idleMillis interactive latencies on the idle system, half before the backlog
     *        and half after it
     * @param loadedMillis interactive latencies while the backlog was worked off
     * @param duration how long the backlog took
     * @param lateness the workers' Twilio calls while the backlog ran, and of them those that went
     *        out more than 10 ms after their slot (their start then moved in the rate window)
     */
    public record Report(int backlog, int rate, int maxCallsInAnySecond, double sustainedRate,
            List<Long> idleMillis, List<Long> loadedMillis, Duration duration, Lateness lateness)
            implements IdleAndLoaded {
    }

    /** Twilio calls the workers made, and of them those that went out more than 10 ms after their slot. */
    public record Lateness(long calls, long late) {

        static Lateness of(DevStack stack) {
            long calls = 0;
            long onTime = 0;
            for (ConfigurableApplicationContext worker : stack.workers()) {
                HistogramSnapshot snapshot = worker.getBean(MeterRegistry.class)
                        .get("spamcheck.twilio.rate_limiter.lateness").timer().takeSnapshot();
                calls += snapshot.count();
                for (CountAtBucket bucket : snapshot.histogramCounts()) {
                    if (bucket.bucket(TimeUnit.MILLISECONDS) == 10) {
                        onTime += (long) bucket.count();
                    }
                }
            }
            return new Lateness(calls, calls - onTime);
        }

        Lateness since(Lateness before) {
            return new Lateness(calls - before.calls, late - before.late);
        }
    }

    private PrewarmUnderLoad() {
    }

    /**
     * @param interactiveSamples interactive lookups measured idle (half before the backlog, half
     *        after), and the fewest measured under load: they keep coming for as long as the
     *        backlog lasts, which must be long enough
     * @param pause the pause between interactive lookups
     */
    public static Report run(DevStack stack, String gatewayUrl, int backlog, int rate, int interactiveSamples,
            Duration pause) throws Exception {
        stack.awaitTwilioRate(Duration.ofSeconds(60));
        // Both paths run before anything is measured, the prewarm path for a few seconds at full
        // rate, so that code loaded and compiled on first use is not counted against the backlog.
        interactive(stack, gatewayUrl, 3, pause);
        workOff(stack, prewarmNumbers(5 * rate), rate, () -> Thread.sleep(200));
        // Idle latency is measured before and after the backlog, so that a slow spell of a shared
        // machine weighs on both sides of the comparison rather than on one.
        List<Long> idle = new ArrayList<>(interactive(stack, gatewayUrl, interactiveSamples / 2, pause));

        List<String> numbers = prewarmNumbers(backlog);
        Instant started = Instant.now();
        Lateness before = Lateness.of(stack);
        List<Long> loaded = new ArrayList<>();
        workOff(stack, numbers, rate, () -> loaded.addAll(interactive(stack, gatewayUrl, 1, pause)));
        if (loaded.size() < interactiveSamples) {
            throw new IllegalStateException("The backlog was worked off after " + loaded.size() + " of "
                    + interactiveSamples + " interactive lookups: make it larger");
        }
        Duration took = Duration.between(started, Instant.now());
        Lateness lateness = Lateness.of(stack).since(before);
        Thread.sleep(1000); // the backlog's last calls, counted on arrival at the stub, finish meanwhile
        idle.addAll(interactive(stack, gatewayUrl, interactiveSamples - interactiveSamples / 2, pause));

        Instant ended = started.plus(took);
        List<Instant> calls = stack.twilio().callTimes().stream().filter(t -> !t.isBefore(started) && t.isBefore(ended))
                .collect(Collectors.toList());
        return new Report(backlog, rate, maxInAnySecond(calls), sustained(calls, stack, numbers), idle, loaded, took,
                lateness);
    }

    private static List<String> prewarmNumbers(int count) {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbers.add(Traffic.uniqueNumber(String.format("%04d", 1100 + (i % 2900))));
        }
        return numbers;
    }

    /** Something done while a backlog is worked off, between checks on its progress. */
    private interface Meanwhile {
        void run() throws InterruptedException;
    }

    /** Writes the numbers to the prewarm topic and does {@code meanwhile} until each was looked up. */
    private static void workOff(DevStack stack, List<String> numbers, int rate, Meanwhile meanwhile)
            throws InterruptedException {
        Instant started = Instant.now();
        Duration allowed = Duration.ofSeconds(numbers.size() / Math.max(1, rate / 2) + 60);
        Traffic.prewarm(stack, numbers.stream().map(number -> Traffic.prewarmEntry(number, "bench")).toList());
        Set<String> pending = new HashSet<>(numbers);
        while (!pending.isEmpty()) {
            meanwhile.run();
            pending.removeAll(stack.twilio().calledNumbers());
            if (Duration.between(started, Instant.now()).compareTo(allowed) > 0) {
                throw new IllegalStateException(pending.size() + " prewarm entries were never looked up");
            }
        }
    }

    private static List<Long> interactive(DevStack stack, String gatewayUrl, int samples, Duration pause)
            throws InterruptedException {
        List<Long> latencies = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            String number = Traffic.uniqueNumber("0123");
            long start = System.nanoTime();
            int status = Traffic.lookUp(gatewayUrl, stack.lookupToken(), number).statusCode();
            if (status != 200) {
                throw new IllegalStateException("An interactive lookup answered " + status);
            }
            latencies.add((System.nanoTime() - start) / 1_000_000);
            Thread.sleep(pause.toMillis());
        }
        return latencies;
    }

    /** The most calls that fall into any window [t, t + 1 s) starting at a call. */
    static int maxInAnySecond(List<Instant> calls) {
        int max = 0;
        int end = 0;
        for (int start = 0; start < calls.size(); start++) {
            Instant limit = calls.get(start).plusSeconds(1);
            while (end < calls.size() && calls.get(end).isBefore(limit)) {
                end++;
            }
            max = Math.max(max, end - start);
        }
        return max;
    }

    /** Calls per second between the first and last prewarm call, their first and last second left out. */
    private static double sustained(List<Instant> calls, DevStack stack, List<String> numbers) {
        List<Instant> prewarm = numbers.stream().flatMap(n -> stack.twilio().callTimesFor(n).stream()).sorted().toList();
        Instant from = prewarm.get(0).plusSeconds(1);
        Instant to = prewarm.get(prewarm.size() - 1).minusSeconds(1);
        long inside = calls.stream().filter(t -> !t.isBefore(from) && t.isBefore(to)).count();
        double seconds = Duration.between(from, to).toMillis() / 1000.0;
        return seconds <= 0 ? 0 : inside / seconds;
    }
}
