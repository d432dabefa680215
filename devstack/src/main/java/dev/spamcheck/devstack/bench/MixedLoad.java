package dev.spamcheck.devstack.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.spamcheck.devstack.DevStack;
import dev.spamcheck.devstack.TwilioStub;

/**
 * The load of a busy day: 25 lookups per second arriving independently (open model), 70% for
 * numbers the cache answers and 30% for new ones, each of which waits for the Twilio stub, at
 * one gateway. Meanwhile the load generator calls the stub itself at the misses' rate, as a worker
 * calls it: a miss's baseline is the stub's latency as measured then, not the delay it is set to,
 * which WireMock's own handling of each call adds to.
 */
final class MixedLoad {

    static final int RATE = 25;
    static final double MISS_SHARE = 0.3;
    static final Duration WARMUP = Duration.ofSeconds(10);
    static final Duration DURATION = Duration.ofSeconds(60);

    /**
     * @param stubLatency the delay the stub was set to
     * @param stub the stub's calls as the load generator made them straight, over the same minute
     * @param workerTimes the means per miss in the devstack's own workers, over Gatling's measured phase
     */
    record Report(LoadGenerator.Stats all, LoadGenerator.Stats hits, LoadGenerator.Stats misses,
            Duration stubLatency, LoadGenerator.Stats stub, MissTimes workerTimes) {

        /** What spamcheck adds to a miss: its p95 less the stub's own p95, both measured in the same minute. */
        long missOverhead() {
            return misses.p95() - stub.p95();
        }
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
        Map<String, LoadGenerator.Stats> stats = load.run("ConstantRate", label, Map.ofEntries(
                Map.entry("load.url", gatewayUrl), Map.entry("load.token", stack.lookupToken()),
                Map.entry("load.numbers", cached.toString()), Map.entry("load.miss-numbers", fresh.toString()),
                Map.entry("load.miss-share", String.valueOf(MISS_SHARE)), Map.entry("load.rate", String.valueOf(RATE)),
                Map.entry("load.warmup", WARMUP.toString()), Map.entry("load.duration", DURATION.toString()),
                Map.entry("load.stub-url", stack.twilio().baseUrl()),
                Map.entry("load.stub-authorization", TwilioStub.AUTHORIZATION),
                Map.entry("load.stub-numbers", stubNumbers(fresh.resolveSibling(label + "-stub.csv")).toString())),
                workers);
        LoadGenerator.Stats stub = stats.get(LoadGenerator.STUB);
        if (stub == null || stub.ok() == 0 || stub.failed() > 0) {
            // Without the stub's own latency a miss has no baseline to be judged against.
            throw new IllegalStateException("The calls straight to the Twilio stub failed: " + stub);
        }
        return new Report(stats.get(LoadGenerator.ALL), stats.get("hit"), stats.get("miss"), stubLatency, stub,
                workers.times());
    }

    /**
     * Ordinary numbers of their own (no magic last four digits), encoded as a worker puts them in
     * the URL: the stub's journal never mistakes them for a lookup's.
     */
    private static Path stubNumbers(Path file) throws java.io.IOException {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            numbers.add(URLEncoder.encode(Traffic.uniqueNumber(String.format("%04d", 2000 + i)), StandardCharsets.UTF_8));
        }
        return HitPath.csv(file, numbers);
    }
}
