package dev.spamcheck.devstack.bench;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * docs/BENCHMARKS.md's section on cache hits: the gateway's against the bare endpoint's and the
 * durable-write one's answers, the CPU each costs the machine per request, and where the gateway's
 * goes; each target missed with what the measurements say of its cause.
 */
final class HitPathReport {

    static final double DURABLE_RATIO_TARGET = 0.70;
    static final double BARE_RATIO_TARGET = 0.25;
    static final long P50_TARGET_MICROS = 1000;
    static final long P99_TARGET_MICROS = 5000;
    static final double CPU_RATIO_TARGET = 3;

    private HitPathReport() {
    }

    static String markdown(HitPath.Report hits) {
        HitPath.Target bare = hits.bare();
        HitPath.Target durable = hits.durable();
        HitPath.Target gateway = hits.gateway();
        double toDurable = gateway.throughput() / durable.throughput();
        double toBare = gateway.throughput() / bare.throughput();
        double cpuRatio = cpu(gateway) / cpu(durable);
        boolean p50Met = gateway.steady().p50Micros() < P50_TARGET_MICROS;
        boolean p99Met = gateway.steady().p99Micros() < P99_TARGET_MICROS;
        String text = """

                ## Cache hits against the framework's limit

                The same loads drive three targets in turn, each a server in a JVM of
                its own with the same options (`-Xmx573m`), as a gateway is deployed; the devstack's
                JVM, with Kafka's broker and the other services, runs beside them. Two baselines
                share one such JVM (`BaselineServer`, Reactor Netty event loops of the same kind);
                both read the body and answer a constant. The *bare* one answers at once. The
                *durable-write* one answers only once the devstack's Kafka broker has acknowledged
                one audit-like record (about 300 bytes of JSON, unkeyed, as the gateway's) on a
                topic of its own with the audit topic's partitions and replicas, sent by a plain
                `KafkaProducer` with `acks=all`, idempotence and the gateway's `linger.ms=0` and one
                request in flight, the acknowledgement handed to a Reactor parallel thread: the irreducible work of the
                promise each answer makes. The third is a gateway started for the run, answering
                cache hits for 50 numbers: authentication, validation, the cache lookup, the audit
                event acknowledged by Kafka, JSON. The load generators run in JVMs of their own on
                the same %d cores, so all share them. Saturation (Gatling 3.14): %d callers back to
                back on kept-alive connections. Each target is first driven so in rounds of %d s until its JVM's JIT
                compilers take at most %.0f%% of a core in one, at most %d rounds (%s): with the
                compilers starved of CPU on the shared cores, a fixed warm-up measured how far they
                had got. Then %d s warm-up, %d s measured, times in whole milliseconds as Gatling
                reports them. Steady: %d requests per second falling due at fixed intervals whatever
                the answers take (open model), %d s warm-up, %d s measured, each timed to the
                microsecond from the moment it was due to the last byte of its answer by the bench's
                own client (`LatencyProbe`: blocking sockets, kept-alive connections, in a JVM of its
                own), since Gatling records whole milliseconds. CPU as below.

                | | bare WebFlux | durable write | gateway, cache hit | target | |
                |---|---|---|---|---|---|
                | saturation throughput (req/s) | %.0f | %.0f | %.0f | gateway ≥ %.2f× durable write | ×%.3f: %s |
                | | | | | gateway ≥ %.2f× bare | ×%.3f: %s |
                | saturation p50 / p99 (ms) | %d / %d | %d / %d | %d / %d | | |
                | p50 / p99 at %d req/s (ms) | %s / %s | %s / %s | %s / %s | gateway p50 < %d ms | %s |
                | | | | | gateway p99 < %d ms | %s |
                | CPU per request at saturation (µs) | %.0f | %.0f | %.0f | gateway ≤ %.0f× durable write | ×%.2f: %s |
                | failed requests | %d | %d | %d | none from the gateway | %s |

                """.formatted(Runtime.getRuntime().availableProcessors(), HitPath.USERS, HitPath.JIT_ROUND.toSeconds(),
                HitPath.QUIET_COMPILERS * 100, HitPath.MAX_JIT_ROUNDS, warmups(bare, durable, gateway),
                HitPath.SATURATION_WARMUP.toSeconds(),
                HitPath.SATURATION.toSeconds(), HitPath.RATE, HitPath.WARMUP.toSeconds(), HitPath.STEADY.toSeconds(),
                bare.throughput(), durable.throughput(), gateway.throughput(), DURABLE_RATIO_TARGET, toDurable,
                verdict(toDurable >= DURABLE_RATIO_TARGET), BARE_RATIO_TARGET, toBare, verdict(toBare >= BARE_RATIO_TARGET),
                bare.saturation().p50(), bare.saturation().p99(), durable.saturation().p50(), durable.saturation().p99(),
                gateway.saturation().p50(), gateway.saturation().p99(),
                HitPath.RATE, ms(bare.steady().p50Micros()), ms(bare.steady().p99Micros()),
                ms(durable.steady().p50Micros()), ms(durable.steady().p99Micros()), ms(gateway.steady().p50Micros()),
                ms(gateway.steady().p99Micros()), P50_TARGET_MICROS / 1000, verdict(p50Met), P99_TARGET_MICROS / 1000,
                verdict(p99Met),
                cpu(bare), cpu(durable), cpu(gateway), CPU_RATIO_TARGET, cpuRatio, verdict(cpuRatio <= CPU_RATIO_TARGET),
                bare.failed(), durable.failed(), gateway.failed(), verdict(gateway.failed() == 0));
        String beyondDurable = largestDifferences(gateway, durable, 4);
        if (toDurable < DURABLE_RATIO_TARGET || toBare < BARE_RATIO_TARGET) {
            text += """
                    **Why the throughput %s missed.** At saturation each target has the cores that
                    Gatling leaves it (the machine, Gatling aside, kept %.2f, %.2f and %.2f cores busy
                    in the three runs), so what it answers follows what each answer costs: %.0f µs of CPU per hit
                    against %.0f µs per durable write and %.0f µs per bare answer. Beyond the durable
                    write, per hit: %s (the table below has every part).
                    %.2f× the durable write would be %.0f hits per second here, and %.2f× the bare
                    endpoint %.0f.

                    """.formatted(toDurable < DURABLE_RATIO_TARGET && toBare < BARE_RATIO_TARGET ? "targets are"
                    : "target is", cores(bare), cores(durable), cores(gateway), cpu(gateway), cpu(durable), cpu(bare),
                    beyondDurable, DURABLE_RATIO_TARGET, durable.throughput() * DURABLE_RATIO_TARGET, BARE_RATIO_TARGET,
                    bare.throughput() * BARE_RATIO_TARGET);
        }
        if (!p50Met || !p99Met) {
            GcPauses.Report pauses = hits.steadyPauses();
            text += """
                    **Why the latency at %d req/s is missed.** The gateway's p50 / p99 are %s / %s ms,
                    the durable write's %s / %s ms and the bare endpoint's %s / %s ms. %s%s The
                    gateway's answers took %s ms at the median and %s ms at the 99th percentile beyond
                    the durable write's. Garbage-collection pauses of the gateway's JVM during its run:
                    %d, the longest %d ms (%d over 5 ms).

                    """.formatted(HitPath.RATE, ms(gateway.steady().p50Micros()), ms(gateway.steady().p99Micros()),
                    ms(durable.steady().p50Micros()), ms(durable.steady().p99Micros()), ms(bare.steady().p50Micros()),
                    ms(bare.steady().p99Micros()),
                    misses(bare) ? "Even the bare endpoint, which does nothing, misses a target here: on this machine"
                            + " the floor is the shared cores' (with the devstack's Kafka, its consumers and its"
                            + " collector) and the time their threads take to wake, not spamcheck's. " : "",
                    misses(durable) ? "One Kafka write acknowledged, and nothing else, misses " + missed(durable)
                            + " too: the producer's and the broker's threads, each woken in turn on these cores, are"
                            + " the durable write's round trip, which every answer waits for."
                            : "What the gateway adds beyond its one Kafka write is its own work (the table below),"
                                    + " waiting its turn for the shared cores.",
                    signedMs(gateway.steady().p50Micros() - durable.steady().p50Micros()),
                    signedMs(gateway.steady().p99Micros() - durable.steady().p99Micros()),
                    pauses.pauses(), pauses.longest().toMillis(), pauses.over5ms());
        }
        if (cpuRatio > CPU_RATIO_TARGET) {
            text += """
                    **Why the CPU per hit is missed.** A hit costs the machine %.0f µs of CPU, ×%.2f a
                    durable write's %.0f µs. Beyond the write, per hit: %s.

                    """.formatted(cpu(gateway), cpuRatio, cpu(durable), beyondDurable);
        }
        return text + cpuTable(hits) + profile(hits.profile());
    }

    private static String cpuTable(HitPath.Report hits) {
        List<HitPath.Target> targets = List.of(hits.bare(), hits.durable(), hits.gateway());
        Set<String> parts = new LinkedHashSet<>();
        targets.forEach(target -> parts.addAll(target.cpu().nanos().keySet()));
        StringBuilder rows = new StringBuilder();
        for (String part : parts) {
            rows.append("| ").append(part);
            targets.forEach(target -> rows.append(" | ").append(micros(target.cpu().microsPerRequest(part,
                    target.completed()))));
            rows.append(" |\n");
        }
        rows.append("| **total** | ").append(targets.stream().map(t -> "**" + micros(cpu(t)) + "**")
                .collect(Collectors.joining(" | "))).append(" |\n");
        rows.append("| cores kept busy (CPU seconds per second) | ").append(targets.stream()
                .map(t -> String.format("%.2f", cores(t))).collect(Collectors.joining(" | "))).append(" |\n");
        rows.append("| window (s) / requests completed | ").append(targets.stream()
                .map(t -> String.format("%.1f / %d", t.cpu().window().toMillis() / 1000.0, t.completed()))
                .collect(Collectors.joining(" | "))).append(" |\n");
        boolean kafkaProcess = parts.contains(CpuUse.KAFKA_PROCESS);
        return """
                ### CPU per request at saturation

                The CPU time (user and system) the machine spent during each saturation run's
                measured window, from the first measured request's start to the last one's answer,
                divided by the requests Gatling completed in it; all of it but Gatling's own JVM.
                The measured server's process by its threads (`/proc`, clock ticks of 10 ms; what
                threads that ended within the window spent counts as its "other"). The devstack
                JVM's live threads by what their names say they work for (`ThreadMXBean`, read at
                the window's start and end); what that JVM spent beyond them: the garbage
                collector, the JIT compilers and JFR, which are not Java threads, and the threads
                that ended within the window, which take their time with them (%s); %s
                PostgreSQL's server and its backends from `/proc`. The gateway's run is also
                profiled with JFR (below), which adds a little to its own.

                | µs of CPU per request | bare WebFlux | durable write | gateway, cache hit |
                |---|---|---|---|
                %s
                """.formatted(ended(hits), kafkaProcess ? "Kafka's broker process and"
                : "Kafka's broker runs in the devstack's JVM here, its threads a row of their own;", rows);
    }

    /** Which threads ended in each window: idle pools' workers retiring, as a rule. */
    private static String ended(HitPath.Report hits) {
        Map<String, HitPath.Target> targets = new java.util.LinkedHashMap<>();
        targets.put("bare", hits.bare());
        targets.put("durable write", hits.durable());
        targets.put("gateway", hits.gateway());
        return targets.entrySet().stream().map(target -> target.getKey() + ": " + (target.getValue().cpu().ended()
                .isEmpty() ? "none" : target.getValue().cpu().ended().entrySet().stream()
                        .map(thread -> "`" + thread.getKey() + "` ×" + thread.getValue())
                        .collect(Collectors.joining(", ")))).collect(Collectors.joining("; "));
    }

    private static String profile(HitPathProfile.Breakdown profile) {
        return """
                ### Where the CPU goes while the gateway answers hits at saturation

                JDK Flight Recorder, %d execution samples of the measured gateway's JVM (every 10 ms
                per thread running Java code, stacks 256 frames deep; socket calls and the garbage
                collector are not sampled) during its saturation run; the recording is kept in
                `docs/bench/gateway-saturation.jfr` for `jfr print` or JDK Mission Control. By
                thread:

                | threads | share of samples |
                |---|---|
                %s
                The %d samples on the gateway's HTTP event loops, by the innermost frame that
                belongs to one of these activities:

                | activity | share |
                |---|---|
                %s
                and by the spamcheck methods on their stack (a method calling another counts in
                both; the connection guard, at the bottom of every stack, is left out):

                | method | share |
                |---|---|
                %s
                """.formatted(profile.samples(), rows(profile.threads()), profile.eventLoopSamples(),
                rows(profile.activities()), rows(profile.spamcheckMethods()));
    }

    private static boolean misses(HitPath.Target target) {
        return target.steady().p50Micros() >= P50_TARGET_MICROS || target.steady().p99Micros() >= P99_TARGET_MICROS;
    }

    /** Which latency targets a target misses, for a sentence; call only when it misses one. */
    private static String missed(HitPath.Target target) {
        boolean p50 = target.steady().p50Micros() >= P50_TARGET_MICROS;
        boolean p99 = target.steady().p99Micros() >= P99_TARGET_MICROS;
        return p50 && p99 ? "both targets" : p50 ? "the p50 target" : "the p99 target";
    }

    private static String signedMs(long micros) {
        return (micros >= 0 ? "+" : "−") + ms(Math.abs(micros));
    }

    /** Microseconds as milliseconds with two decimals. */
    private static String ms(long micros) {
        return String.format(java.util.Locale.ROOT, "%.2f", micros / 1000.0);
    }

    /** Total µs of CPU per completed request at saturation. */
    private static double cpu(HitPath.Target target) {
        return target.cpu().totalMicrosPerRequest(target.completed());
    }

    private static double cores(HitPath.Target target) {
        return (double) target.cpu().total() / Math.max(1, target.cpu().window().toNanos());
    }

    /** The parts in which {@code more} spends the most CPU per request beyond {@code less}. */
    private static String largestDifferences(HitPath.Target more, HitPath.Target less, int limit) {
        Map<String, Long> nanos = more.cpu().nanos();
        return nanos.keySet().stream()
                .map(part -> Map.entry(part, more.cpu().microsPerRequest(part, more.completed())
                        - less.cpu().microsPerRequest(part, less.completed())))
                .filter(difference -> difference.getValue() > 0)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(limit)
                .map(difference -> micros(difference.getValue()) + " µs more in " + difference.getKey())
                .collect(Collectors.joining("; "));
    }

    private static String micros(double micros) {
        return micros >= 100 ? String.format("%.0f", micros) : String.format("%.1f", micros);
    }

    private static String rows(Map<String, Double> shares) {
        StringBuilder rows = new StringBuilder();
        shares.forEach((name, share) -> rows.append("| ").append(name).append(" | ")
                .append(String.format("%.1f%%", share * 100)).append(" |\n"));
        return rows.toString();
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }

    /** How many rounds each target needed, and any whose compilers never went quiet. */
    private static String warmups(HitPath.Target bare, HitPath.Target durable, HitPath.Target gateway) {
        return "bare " + warmup(bare.warmup()) + ", durable write " + warmup(durable.warmup()) + ", gateway "
                + warmup(gateway.warmup());
    }

    static String warmup(HitPath.JitWarmup warmup) {
        return warmup.settled() ? warmup.rounds() + (warmup.rounds() == 1 ? " round" : " rounds")
                : "**not quiet** after " + warmup.rounds() + " rounds, still " + coreShare(warmup.lastShare(), "%.0f");
    }

    /** A share of one core, as measured by a {@link CompilerWindow}, which may not know it. */
    static String coreShare(double share, String format) {
        return Double.isNaN(share) ? "an unknown share of a core" : (format + "%% of a core").formatted(share * 100);
    }
}
