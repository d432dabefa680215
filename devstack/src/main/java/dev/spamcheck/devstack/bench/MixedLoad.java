package dev.spamcheck.devstack.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.spamcheck.devstack.DevStack;

/**
 * The load of a busy day: 25 lookups per second arriving independently (open model), 70% for
 * numbers the cache answers and 30% for new ones, each of which waits for the Twilio stub, at
 * one gateway.
 */
final class MixedLoad {

    static final int RATE = 25;
    static final double MISS_SHARE = 0.3;
    static final Duration WARMUP = Duration.ofSeconds(10);
    static final Duration DURATION = Duration.ofSeconds(60);

    /** @param workerTimes the means per miss in the devstack's own workers, over Gatling's measured phase */
    record Report(LoadGenerator.Stats all, LoadGenerator.Stats hits, LoadGenerator.Stats misses,
            Duration stubLatency, MissTimes workerTimes) {
    }

    private MixedLoad() {
    }

    /** How many new numbers a run uses. */
    static int missesNeeded() {
        return (int) Math.ceil(RATE * MISS_SHARE * (WARMUP.toSeconds() + DURATION.toSeconds())) + 50;
    }

    /**
     * @param cached a CSV of numbers the cache answers
     * @param fresh a CSV of at least {@link #missesNeeded()} numbers never looked up
     */
    static Report run(DevStack stack, String gatewayUrl, LoadGenerator load, String label, Path cached, Path fresh,
            Duration stubLatency) throws Exception {
        stack.twilio().latency(stubLatency);
        MissTimes.Window workers = new MissTimes.Window(stack);
        Map<String, LoadGenerator.Stats> stats = load.run("ConstantRate", label, Map.of(
                "load.url", gatewayUrl, "load.token", stack.lookupToken(),
                "load.numbers", cached.toString(), "load.miss-numbers", fresh.toString(),
                "load.miss-share", String.valueOf(MISS_SHARE), "load.rate", String.valueOf(RATE),
                "load.warmup", WARMUP.toString(), "load.duration", DURATION.toString()), workers);
        return new Report(stats.get(LoadGenerator.ALL), stats.get("hit"), stats.get("miss"), stubLatency,
                workers.times());
    }
}
