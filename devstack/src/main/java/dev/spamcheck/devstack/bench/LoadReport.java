package dev.spamcheck.devstack.bench;

import java.util.List;

/**
 * The sections of docs/BENCHMARKS.md that Gatling measured, each with its cause when missed; the
 * cache hits' is {@link HitPathReport}'s.
 */
final class LoadReport {

    static final long MIXED_P95_TARGET_MS = 500;
    static final long MISS_OVERHEAD_TARGET_MS = 20;

    private LoadReport() {
    }

    static String markdown(HitPath.Report hits, MixedLoad.Report mixed, MixedLoad.Report mixedInProcesses,
            List<Memory> memory) {
        return HitPathReport.markdown(hits) + mixed(mixed, mixedInProcesses) + memory(memory);
    }

    /** @param inProcesses the same load at services in processes of their own, or null when not measured */
    static String mixed(MixedLoad.Report mixed, MixedLoad.Report inProcesses) {
        long overhead = mixed.missOverhead();
        long failed = mixed.hits().failed() + mixed.misses().failed();
        String text = """
                ## %d requests per second, mixed

                %d lookups per second arriving independently (open model) at one gateway for %d s
                after a %d s warm-up: %.0f%% for cached numbers, %.0f%% for new ones, for which the
                Twilio stub is set to take %d ms. The target is about a system that has been answering
                for a while, so first the same mix at %d per second, in rounds of %d s until the JIT
                compilers of the JVMs that serve it took at most %.0f%% of a core in one, at most %d
                rounds (here %s); during the measured minute they took %s. A miss's baseline is the stub's latency, measured in
                the same run: meanwhile the load generator calls the stub itself at the misses' rate, the
                same lookup a worker makes (plain HTTP on loopback, kept-alive connections), and times it
                as it times the lookups. The stub answered those calls in p50 %d ms, p95 %d ms (%d calls;
                WireMock's handling of each call comes on top of its delay). What spamcheck adds is a
                miss's p95 less the stub's.

                | target | measured | |
                |---|---|---|
                | p95 of all lookups < %d ms | %d ms (p99 %d ms) | %s |
                | p95 of misses less the stub's < %d ms | %d ms (miss p50 %d ms, p95 %d ms; less the stub's set delay, %d ms) | %s |
                | hits meanwhile | p50 %d ms, p95 %d ms, p99 %d ms | |
                | failed requests | %d | %s |

                """.formatted(MixedLoad.RATE, MixedLoad.RATE, MixedLoad.DURATION.toSeconds(), MixedLoad.WARMUP.toSeconds(),
                (1 - MixedLoad.MISS_SHARE) * 100, MixedLoad.MISS_SHARE * 100, mixed.stubLatency().toMillis(),
                MixedLoad.JIT_RATE, MixedLoad.JIT_ROUND.toSeconds(), MixedLoad.QUIET_COMPILERS * 100,
                MixedLoad.MAX_JIT_ROUNDS, HitPathReport.warmup(mixed.warmup()),
                HitPathReport.coreShare(mixed.measuredCompilers(), "%.1f"),
                mixed.stub().p50(), mixed.stub().p95(), mixed.stub().ok(),
                MIXED_P95_TARGET_MS, mixed.all().p95(), mixed.all().p99(), verdict(mixed.all().p95() < MIXED_P95_TARGET_MS),
                MISS_OVERHEAD_TARGET_MS, overhead, mixed.misses().p50(), mixed.misses().p95(),
                mixed.misses().p95() - mixed.stubLatency().toMillis(), verdict(overhead < MISS_OVERHEAD_TARGET_MS),
                mixed.hits().p50(), mixed.hits().p95(), mixed.hits().p99(), failed, verdict(failed == 0));
        text += missTimes(mixed);
        if (overhead >= MISS_OVERHEAD_TARGET_MS) {
            MissTimes times = mixed.workerTimes();
            text += """
                    **Why the miss overhead is missed.** Even the median miss spends %d ms beyond the
                    stub's median, and the table above says where: the worker's own work %.1f ms
                    (checking the cache and claiming the number in one PostgreSQL statement, storing the answer
                    and giving the claim up in another, and the result's publication, acknowledged by Kafka);
                    the request's way to a worker %.1f ms; the rate permit %.1f ms (a transaction in
                    PostgreSQL that every worker shares); the gateway and the way back the rest. None of them
                    is large: each is a few hand-offs between threads and processes on the two cores that
                    Gatling, Kafka, PostgreSQL and all the services share, and the p95 adds the moments when
                    those cores are busy elsewhere.

                    """.formatted(mixed.misses().p50() - mixed.stub().p50(), times.restMs(), times.queuedMs(),
                    times.rateWaitMs());
        }
        if (inProcesses != null) {
            text += """
                    The same load at a gateway in a JVM of its own, with a worker, an archiver and a
                    notifier in JVMs of their own among the devstack's (four more JVMs on the two cores): all
                    lookups p95 %d ms; misses p50 %d ms, p95 %d ms (%d ms over the stub's p95 of %d ms); hits
                    p95 %d ms; %d failed. Warmed as above (%s); the compilers of those JVMs and the devstack's
                    took %s during the measured minute.

                    """.formatted(inProcesses.all().p95(), inProcesses.misses().p50(), inProcesses.misses().p95(),
                    inProcesses.missOverhead(), inProcesses.stub().p95(), inProcesses.hits().p95(),
                    inProcesses.hits().failed() + inProcesses.misses().failed(),
                    HitPathReport.warmup(inProcesses.warmup()),
                    HitPathReport.coreShare(inProcesses.measuredCompilers(), "%.1f"));
        }
        return text;
    }

    /** The workers' own account of a miss, beside what the caller saw. */
    private static String missTimes(MixedLoad.Report mixed) {
        MissTimes times = mixed.workerTimes();
        double worker = times.queuedMs() + times.handledMs();
        return """
                Where a miss's time went during the measured minute, by the workers' own timers, each
                the mean over what it timed (`spamcheck_lookup_queued_seconds`,
                `spamcheck_lookup_handled_seconds`, `spamcheck_twilio_rate_limiter_wait_seconds`,
                `spamcheck_twilio_latency_seconds`; %d lookups); the last row compares a median with
                means, so it is a rough figure:

                | stage | mean (ms) |
                |---|---|
                | from the gateway's send to a worker taking the request | %.1f |
                | in the worker, until its result is acknowledged by Kafka | %.1f |
                | of which waiting for a rate permit | %.1f |
                | of which the Twilio stub's call (set to %d ms; called straight, p50 %d ms) | %.1f |
                | of which the rest (per lookup, from the totals): cache check, claim, storing the answer, publishing it | %.1f |
                | the caller's miss p50 less the two above: the gateway before its send, the result's way back, the audit | %.1f |

                """.formatted(times.lookups(), times.queuedMs(), times.handledMs(), times.rateWaitMs(),
                mixed.stubLatency().toMillis(), mixed.stub().p50(), times.twilioMs(), times.restMs(),
                mixed.misses().p50() - worker);
    }

    private static String memory(List<Memory> memory) {
        StringBuilder rows = new StringBuilder();
        memory.forEach(jvm -> rows.append("| ").append(jvm.jvm()).append(" | ").append(Memory.mib(jvm.heapLiveBytes()))
                .append(" | ").append(Memory.mib(jvm.heapCommittedBytes())).append(" | ")
                .append(Memory.mib(jvm.residentBytes())).append(" | ").append(Memory.mib(jvm.residentAtFullHeapBytes()))
                .append(" | ").append(Memory.mib(jvm.limitBytes()))
                .append(jvm.limitBytes() > 0 && jvm.residentAtFullHeapBytes() > jvm.limitBytes() ? " **exceeded**" : "")
                .append(" |\n"));
        return """
                ## Memory after the mixed load

                Right after the second mixed run, for the gateway, lookup-worker, archiver and
                notifier that ran in JVMs of their own, each heap sized as in the Kubernetes
                manifests (60%% of the limit: `-Xmx460m` of 768 MiB for the worker and the archiver,
                `-Xmx537m` of 896 MiB for the notifier; the gateway's 56%% of 1 GiB, `-Xmx573m`), and for the devstack's
                JVM with the rest. Live heap is what remains after a full collection (`jcmd
                GC.run`). A heap grows towards its maximum under load, so what must fit the
                container's limit is the resident set with the whole heap committed: the resident
                set less the committed heap (code, metaspace, threads, RocksDB), plus the maximum.

                | JVM | live heap | heap committed | resident set (RSS) | RSS at a full heap | limit |
                |---|---|---|---|---|---|
                %s""".formatted(rows);
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }
}
