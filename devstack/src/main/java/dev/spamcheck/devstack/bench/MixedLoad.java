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
 * <p>
 * The target is about a system that has been answering for a while, as services in production
 * have, so the run starts only once the JVMs that serve it have compiled what it runs: before its
 * warm-up, the same mix at twice the rate in rounds of {@link #JIT_ROUND} until their JIT
 * compilers were quiet for one ({@link #QUIET_COMPILERS}), at most {@link #MAX_JIT_ROUNDS}. A
 * miss runs in each worker only a few times a second, so after the ten-second warm-up alone the
 * devstack JVM's compilers still took a third of a core throughout the measured minute, and its
 * misses ran partly in the interpreter. The compilers' share during the measured minute is
 * reported beside the result.
 */
final class MixedLoad {

    static final int RATE = 25;
    static final double MISS_SHARE = 0.3;
    static final Duration WARMUP = Duration.ofSeconds(10);
    static final Duration DURATION = Duration.ofSeconds(60);
    static final int JIT_RATE = 2 * RATE;
    static final Duration JIT_ROUND = Duration.ofSeconds(20);
    static final int MAX_JIT_ROUNDS = 9;
    /**
     * The share of one core the serving JVMs' compilers may spend in a round that counts as quiet:
     * more than a gateway's own JVM alone is held to ({@link HitPath#QUIET_COMPILERS}), since the
     * devstack's JVM holds the broker and every service, which all compile now and then.
     */
    static final double QUIET_COMPILERS = 0.10;

    /**
     * @param stubLatency the delay the stub was set to
     * @param stub the stub's calls as the load generator made them straight, over the same minute
     * @param workerTimes the means per miss in the devstack's own workers, over Gatling's measured phase
     * @param warmup how the serving JVMs were warmed
     * @param measuredCompilers the share of a core their compilers took over Gatling's measured phase
     */
    record Report(LoadGenerator.Stats all, LoadGenerator.Stats hits, LoadGenerator.Stats misses,
            Duration stubLatency, LoadGenerator.Stats stub, MissTimes workerTimes, HitPath.JitWarmup warmup,
            double measuredCompilers) {

        /** What spamcheck adds to a miss: its p95 less the stub's own p95, both measured in the same minute. */
        long missOverhead() {
            return misses.p95() - stub.p95();
        }
    }

    private MixedLoad() {
    }

    /**
     * @param cached a CSV of numbers the cache answers
     * @param files where the run's CSVs of numbers go
     * @param serving the JVMs that serve the load, whose compilers the warm-up waits for
     */
    static Report run(DevStack stack, String gatewayUrl, LoadGenerator load, String label, Path cached,
            Path files, Duration stubLatency, List<Long> serving) throws Exception {
        stack.twilio().latency(stubLatency);
        Path stubNumbers = stubNumbers(files.resolve(label + "-stub.csv"));
        Map<String, String> mix = Map.ofEntries(
                Map.entry("load.url", gatewayUrl), Map.entry("load.token", stack.lookupToken()),
                Map.entry("load.numbers", cached.toString()), Map.entry("load.miss-share", String.valueOf(MISS_SHARE)),
                Map.entry("load.stub-url", stack.twilio().baseUrl()),
                Map.entry("load.stub-authorization", TwilioStub.AUTHORIZATION),
                Map.entry("load.stub-numbers", stubNumbers.toString()));
        HitPath.JitWarmup warmup = CompilerWindow.warmUp(load, "ConstantRate", label, (name, round) -> HitPath.with(mix,
                Map.of("load.miss-numbers", fresh(files, name, misses(JIT_RATE, JIT_ROUND)).toString(),
                        "load.rate", String.valueOf(JIT_RATE), "load.warmup", "PT0S",
                        "load.duration", JIT_ROUND.toString())), serving, QUIET_COMPILERS, MAX_JIT_ROUNDS);
        MissTimes.Window workers = new MissTimes.Window(stack);
        CompilerWindow compilers = new CompilerWindow(serving);
        Map<String, LoadGenerator.Stats> stats = load.run("ConstantRate", label, HitPath.with(mix, Map.of(
                "load.miss-numbers", fresh(files, label, misses(RATE, WARMUP.plus(DURATION))).toString(),
                "load.rate", String.valueOf(RATE), "load.warmup", WARMUP.toString(),
                "load.duration", DURATION.toString())), both(workers, compilers));
        LoadGenerator.Stats stub = stats.get(LoadGenerator.STUB);
        if (stub == null || stub.ok() == 0 || stub.failed() > 0) {
            // Without the stub's own latency a miss has no baseline to be judged against.
            throw new IllegalStateException("The calls straight to the Twilio stub failed: " + stub);
        }
        return new Report(stats.get(LoadGenerator.ALL), stats.get("hit"), stats.get("miss"), stubLatency, stub,
                workers.times(), warmup, compilers.share());
    }

    /** A CSV of {@code count} numbers never looked up, named after the Gatling run {@code label}. */
    private static Path fresh(Path files, String label, int count) throws java.io.IOException {
        return HitPath.csv(files.resolve(label + "-fresh.csv"), BenchMain.fresh(count));
    }

    /** New numbers a run at {@code rate} for {@code duration} uses, with some to spare. */
    private static int misses(int rate, Duration duration) {
        return (int) Math.ceil(rate * MISS_SHARE * duration.toSeconds()) + 50;
    }

    private static LoadGenerator.Window both(LoadGenerator.Window first, LoadGenerator.Window second) {
        return new LoadGenerator.Window() {

            @Override
            public void opened() {
                first.opened();
                second.opened();
            }

            @Override
            public void closed() {
                second.closed();
                first.closed();
            }
        };
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
