package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.spamcheck.devstack.ChildJvm;
import dev.spamcheck.devstack.DevStack;
import dev.spamcheck.devstack.ServiceProcess;
import dev.spamcheck.schemas.testing.FreePorts;

/**
 * Cache hits against the framework's limits, all driven by the same loads in turn: the bare
 * endpoint, the durable-write one and the gateway's hits; the most each answers (32 callers back
 * to back, Gatling), with the CPU the machine spends per request meanwhile, and latency at 25
 * requests per second (open model, {@link LatencyProbe}); the gateway's saturation run profiled
 * with JFR. Each measured server runs
 * in a JVM of its own, as a gateway is deployed, with the same options: a JVM that also holds the
 * broker and every other service shares its JIT compilers, code cache and collector with them,
 * and there a hit cost more than twice the CPU it costs a gateway's own JVM.
 */
final class HitPath {

    static final int USERS = 32;
    static final int RATE = 25;
    /**
     * Before a target's measured saturation run, saturation in rounds of this length until its
     * JVM's JIT compilers were quiet for a whole round ({@link #QUIET_COMPILERS}), at most
     * {@link #MAX_JIT_ROUNDS}. On 2 cores shared with Gatling and the devstack the compilers get
     * little CPU: with a fixed minute of warm-up, the gateway's C2 thread still took a third of a
     * core throughout the measured window, compiling its hit path (hundreds of framework
     * methods, thousands of compilations at saturation), and its event loops spent twice the CPU
     * per hit they spend once compiled, so the result measured how far the JIT had got, not the
     * code. The steady runs come after, in the same JVM.
     */
    static final Duration JIT_ROUND = Duration.ofSeconds(20);
    static final int MAX_JIT_ROUNDS = 12;
    /** The share of one core the compilers may spend in a round that counts as quiet. */
    static final double QUIET_COMPILERS = 0.02;
    /** Connections opened and the last compilations done before the measured window. */
    static final Duration SATURATION_WARMUP = Duration.ofSeconds(10);
    static final Duration WARMUP = Duration.ofSeconds(10);
    static final Duration SATURATION = Duration.ofSeconds(20);
    static final Duration STEADY = Duration.ofSeconds(30);

    /**
     * How a target's JVM was warmed: {@code rounds} of {@link #JIT_ROUND} at saturation, whether
     * its compilers were quiet in the last, and the share of a core they took in it.
     */
    record JitWarmup(int rounds, boolean settled, double lastShare) {
    }

    /** One target's runs: at saturation, with its CPU meanwhile, and at {@link #RATE} per second. */
    record Target(JitWarmup warmup, LoadGenerator.Stats saturation, CpuUse.Report cpu, LatencyProbe.Result steady) {

        /** Requests per second. */
        double throughput() {
            return (double) saturation.ok() / SATURATION.toSeconds();
        }

        /** Every request completed in the measured window, answered or failed. */
        long completed() {
            return saturation.ok() + saturation.failed();
        }

        long failed() {
            return saturation.failed() + steady.failed();
        }
    }

    record Report(Target bare, Target durable, Target gateway, HitPathProfile.Breakdown profile,
            GcPauses.Report steadyPauses) {
    }

    private HitPath() {
    }

    /** @param cached a CSV of numbers the cache answers ({@code number} column) */
    static Report run(DevStack stack, LoadGenerator load, Path cached, Path results) throws Exception {
        CpuUse cpu = new CpuUse(stack.home());
        int baselinePort = FreePorts.next();
        String baselineUrl = "http://127.0.0.1:" + baselinePort;
        try (ChildJvm baseline = ChildJvm.start("baseline", stack.home().resolve("logs").resolve("baseline.log"),
                ServiceProcess.jvmOptions(ServiceProcess.GATEWAY_HEAP), BaselineServer.class.getName(),
                List.of(stack.kafkaBootstrapServers(), String.valueOf(baselinePort)));
                ServiceProcess gateway = stack.startGatewayProcess(Map.of())) {
            awaitAnswers(baselineUrl + BaselineServer.PATH);
            HitPathProfile.prime(gateway.pid(), results);
            Path probeLog = stack.home().resolve("logs").resolve("latency-probe.log");
            Map<String, String> toBare = Map.of("load.url", baselineUrl, "load.path", BaselineServer.PATH,
                    "load.numbers", cached.toString());
            Map<String, String> toDurable = Map.of("load.url", baselineUrl, "load.path",
                    BaselineServer.DURABLE_PATH, "load.numbers", cached.toString());
            Map<String, String> toGateway = Map.of("load.url", gateway.baseUrl(), "load.token", stack.lookupToken(),
                    "load.numbers", cached.toString());

            JitWarmup bareWarmup = warmUp(load, "baseline", toBare, baseline.pid());
            CpuUse.Window bareCpu = cpu.window(baseline.pid());
            LoadGenerator.Stats bareSaturation = load.run("Saturation", "baseline-saturation", saturation(toBare),
                    bareCpu).get("request");
            JitWarmup durableWarmup = warmUp(load, "durable-baseline", toDurable, baseline.pid());
            CpuUse.Window durableCpu = cpu.window(baseline.pid());
            LoadGenerator.Stats durableSaturation = load.run("Saturation", "durable-baseline-saturation",
                    saturation(toDurable), durableCpu).get("request");
            HitPathProfile.Breakdown profile;
            LoadGenerator.Stats gatewaySaturation;
            JitWarmup gatewayWarmup = warmUp(load, "gateway", toGateway, gateway.pid());
            CpuUse.Window gatewayCpu = cpu.window(gateway.pid());
            HitPathProfile profiler = HitPathProfile.start(gateway.pid(), results);
            gatewaySaturation = load.run("Saturation", "gateway-saturation", saturation(toGateway), gatewayCpu)
                    .get("request");
            profile = profiler.stop(results.resolve("gateway-saturation.jfr"));
            LatencyProbe.Result bareSteady = steady(baselineUrl, BaselineServer.PATH, null, cached, probeLog);
            LatencyProbe.Result durableSteady = steady(baselineUrl, BaselineServer.DURABLE_PATH, null, cached,
                    probeLog);
            GcPauses gc = GcPauses.start(gateway.pid(), results);
            LatencyProbe.Result gatewaySteady = steady(gateway.baseUrl(), "/api/v1/spam_score", stack.lookupToken(),
                    cached, probeLog);
            GcPauses.Report pauses = gc.stop(results.resolve("gateway-25rps-gc.jfr"));
            return new Report(new Target(bareWarmup, bareSaturation, bareCpu.report(), bareSteady),
                    new Target(durableWarmup, durableSaturation, durableCpu.report(), durableSteady),
                    new Target(gatewayWarmup, gatewaySaturation, gatewayCpu.report(), gatewaySteady), profile, pauses);
        }
    }

    /** Saturation rounds until the JVM {@code pid}'s compilers were quiet for one (see {@link #JIT_ROUND}). */
    private static JitWarmup warmUp(LoadGenerator load, String label, Map<String, String> target, long pid)
            throws IOException, InterruptedException {
        Map<String, String> round = with(target, Map.of("load.users", String.valueOf(USERS), "load.warmup", "PT0S",
                "load.duration", JIT_ROUND.toString()));
        return CompilerWindow.warmUp(load, "Saturation", label, (name, rounds) -> round, List.of(pid), QUIET_COMPILERS,
                MAX_JIT_ROUNDS);
    }

    /** Waits until the baseline's process answers, at most a minute. */
    private static void awaitAnswers(String url) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            }
            catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("The baseline server did not answer " + url + " within a minute");
            }
            Thread.sleep(200);
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
        return with(target, Map.of("load.users", String.valueOf(USERS), "load.warmup", SATURATION_WARMUP.toString(),
                "load.duration", SATURATION.toString()));
    }

    private static LatencyProbe.Result steady(String baseUrl, String path, String token, Path numbers, Path log)
            throws IOException, InterruptedException {
        return LatencyProbe.measure(baseUrl, path, token, numbers, RATE, WARMUP, STEADY, log);
    }

    static Map<String, String> with(Map<String, String> first, Map<String, String> second) {
        Map<String, String> all = new java.util.HashMap<>(first);
        all.putAll(second);
        return all;
    }
}
