package dev.spamcheck.devstack.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.spamcheck.devstack.DevStack;

/**
 * Cache hits against the framework's limit, both driven by the same Gatling load in turn: the
 * most each answers (32 callers back to back), and latency at 25 requests per second (open
 * model), the gateway's saturation run profiled with JFR.
 */
final class HitPath {

    static final int USERS = 32;
    static final int RATE = 25;
    static final Duration WARMUP = Duration.ofSeconds(10);
    static final Duration SATURATION = Duration.ofSeconds(20);
    static final Duration STEADY = Duration.ofSeconds(30);

    /** Throughputs in requests per second. */
    record Report(LoadGenerator.Stats baselineSaturation, LoadGenerator.Stats gatewaySaturation,
            LoadGenerator.Stats baselineSteady, LoadGenerator.Stats gatewaySteady, HitPathProfile.Breakdown profile,
            GcPauses.Report steadyPauses) {

        double baselineThroughput() {
            return (double) baselineSaturation.ok() / SATURATION.toSeconds();
        }

        double gatewayThroughput() {
            return (double) gatewaySaturation.ok() / SATURATION.toSeconds();
        }
    }

    private HitPath() {
    }

    /** @param cached a CSV of numbers the cache answers ({@code number} column) */
    static Report run(DevStack stack, LoadGenerator load, Path cached, Path results) throws Exception {
        try (BaselineServer baseline = BaselineServer.start()) {
            Map<String, String> toBaseline = Map.of("load.url", baseline.baseUrl(), "load.path", BaselineServer.PATH,
                    "load.numbers", cached.toString());
            Map<String, String> toGateway = Map.of("load.url", stack.baseUrl(), "load.token", stack.lookupToken(),
                    "load.numbers", cached.toString());

            LoadGenerator.Stats baselineSaturation = load.run("Saturation", "baseline-saturation",
                    saturation(toBaseline)).get("request");
            HitPathProfile.Breakdown profile;
            LoadGenerator.Stats gatewaySaturation;
            try (HitPathProfile profiler = HitPathProfile.start()) {
                gatewaySaturation = load.run("Saturation", "gateway-saturation", saturation(toGateway)).get("request");
                profile = profiler.stop(results.resolve("gateway-saturation.jfr"));
            }
            LoadGenerator.Stats baselineSteady = load.run("ConstantRate", "baseline-25rps", steady(toBaseline)).get("hit");
            LoadGenerator.Stats gatewaySteady;
            GcPauses.Report pauses;
            try (GcPauses gc = GcPauses.start()) {
                gatewaySteady = load.run("ConstantRate", "gateway-25rps", steady(toGateway)).get("hit");
                pauses = gc.stop(results.resolve("gateway-25rps-gc.jfr"));
            }
            return new Report(baselineSaturation, gatewaySaturation, baselineSteady, gatewaySteady, profile, pauses);
        }
    }

    /** Writes numbers for Gatling's CSV feeders. */
    static Path csv(Path file, List<String> numbers) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        StringBuilder csv = new StringBuilder("number\n");
        numbers.forEach(number -> csv.append(number).append('\n'));
        return Files.writeString(file, csv);
    }

    private static Map<String, String> saturation(Map<String, String> target) {
        return with(target, Map.of("load.users", String.valueOf(USERS), "load.warmup", WARMUP.toString(),
                "load.duration", SATURATION.toString()));
    }

    private static Map<String, String> steady(Map<String, String> target) {
        return with(target, Map.of("load.rate", String.valueOf(RATE), "load.warmup", WARMUP.toString(),
                "load.duration", STEADY.toString()));
    }

    static Map<String, String> with(Map<String, String> first, Map<String, String> second) {
        Map<String, String> all = new java.util.HashMap<>(first);
        all.putAll(second);
        return all;
    }
}
