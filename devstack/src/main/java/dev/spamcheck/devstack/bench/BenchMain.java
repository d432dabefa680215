package dev.spamcheck.devstack.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import dev.spamcheck.devstack.DevStack;
import dev.spamcheck.devstack.ServiceProcess;

/**
 * {@code bin/bench}: spamcheck's performance targets, each beside its baseline, measured on a
 * devstack with two gateways and two workers: the hit path against a bare WebFlux endpoint and
 * one that has a record acknowledged by Kafka first, with the CPU each costs per request, and
 * the mixed load (Gatling, stub at 150 ms), then one paid call per number, stalls and the
 * prewarm backlog (stub at 300 ms, 150 ms for the stalls). Writes {@code docs/BENCHMARKS.md}.
 * {@code bin/bench hits} (or {@code SPAMCHECK_BENCH_ONLY=hits}) measures the cache hits alone, on
 * the same devstack with the same windows, and writes {@code docs/bench/BENCHMARKS-hits.md}, so
 * that a partial run never replaces the full report; {@code mixed}, {@code fairness} and
 * {@code prewarm} likewise.
 */
public final class BenchMain {

    private static final int RATE = 25;
    private static final int STALLED = 30;
    /** New numbers the bursting client asks for at once: sixteen seconds of the account's rate. */
    private static final int BURST = 400;
    /** As many as fit while the burst is looked up (the lookup timeout, 8 s, ends it). */
    private static final int QUIET_SAMPLES = 10;
    /** The bench's own JVM, which runs the devstack: the broker, the stub and the in-process services. */
    private static final List<Long> DEVSTACK_JVM = List.of(ProcessHandle.current().pid());

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        String only = args.length > 0 ? args[0] : System.getenv().getOrDefault("SPAMCHECK_BENCH_ONLY", "");
        if (!List.of("", "all", "hits", "mixed", "fairness", "prewarm").contains(only)) {
            throw new IllegalArgumentException("Usage: bin/bench [hits|mixed|fairness|prewarm] (not " + only + ")");
        }
        boolean hitsOnly = only.equals("hits");
        boolean mixedOnly = only.equals("mixed");
        boolean fairnessOnly = only.equals("fairness");
        boolean prewarmOnly = only.equals("prewarm");
        int backlog = Integer.parseInt(System.getenv().getOrDefault("SPAMCHECK_BENCH_BACKLOG", "10000"));
        String reportSetting = System.getenv("SPAMCHECK_BENCH_REPORT");
        Path fullReport = Path.of(reportSetting == null ? "docs/BENCHMARKS.md" : reportSetting);
        Path results = fullReport.toAbsolutePath().getParent().resolve("bench");
        Path report = reportSetting != null || only.isEmpty() || only.equals("all") ? fullReport
                : results.resolve("BENCHMARKS-" + only + ".md");
        Path home = Files.createTempDirectory("spamcheck-bench");
        System.setProperty("spamcheck.log-dir", home.resolve("logs").toString());
        boolean partial = hitsOnly || mixedOnly || fairnessOnly || prewarmOnly;
        System.out.println("Benchmark devstack in " + home + (partial ? "; " + only + " only" : "")
                + (partial && !prewarmOnly ? "" : "; prewarm backlog " + backlog) + " ...");
        DevStack stack = DevStack.start(new DevStack.Options(home, 0, 0, Duration.ofMillis(300),
                // The backlog alone is more calls than the default daily limit. The stalled lookups
                // must outlast the unrelated ones measured meanwhile, in one attempt each (a retry
                // would take rate permits, and the rate limit is not what is measured). No nightly job:
                // a fresh stack started after the day's time catches it up at once, in a measurement.
                Map.of("spamcheck.twilio.rate", String.valueOf(RATE), "spamcheck.twilio.daily-call-limit", "0",
                        "spamcheck.lookup-timeout", "PT8S", "spamcheck.lookup-budget", "PT7.5S",
                        "spamcheck.twilio.timeout", "PT7S", "spamcheck.nightly.cron", "-"), null, null));
        // Stopped mid-run (Ctrl+C, SIGTERM) or done: the processes the run started (the measured
        // gateway, the baselines, Gatling), the stack's PostgreSQL (pg_ctl's, not a child) and its
        // files must not outlive it. Once, whichever thread gets there first; the other waits.
        Runnable cleanUp = new Runnable() {

            private boolean done;

            @Override
            public synchronized void run() {
                if (done) {
                    return;
                }
                done = true;
                try {
                    stack.close();
                    FileSystemUtils.deleteRecursively(home);
                }
                catch (Exception ex) {
                    System.err.println("Could not stop the devstack or remove " + home + ": " + ex);
                }
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(cleanUp, "bench-stop"));
        try {
            ConfigurableApplicationContext secondGateway = stack.startGateway(0, 0);
            stack.startWorker();
            Thread.sleep(5000);
            if (fairnessOnly) {
                BurstingClient.Report fairness = BurstingClient.run(stack, stack.baseUrl(), BURST, QUIET_SAMPLES);
                System.out.println("Fairness: " + fairness);
                write(report, header(only) + fairnessMarkdown(fairness));
                return;
            }
            if (prewarmOnly) {
                stack.twilio().latency(Duration.ofMillis(300));
                PrewarmUnderLoad.Report prewarm = PrewarmUnderLoad.run(stack, stack.baseUrl(), backlog, RATE, 60,
                        Duration.ofMillis(400));
                System.out.println("Prewarm: " + prewarm);
                write(report, header(only) + prewarmMarkdown(prewarm));
                return;
            }

            LoadGenerator load = new LoadGenerator(results.resolve("gatling"));
            Path cached = HitPath.csv(home.resolve("cached.csv"), cache(stack, 50));
            if (mixedOnly) {
                MixedLoad.Report mixed = MixedLoad.run(stack, stack.baseUrl(), load, "gateway-mixed-25rps", cached,
                        home, Duration.ofMillis(150), DEVSTACK_JVM);
                System.out.println("Mixed: " + mixed);
                write(report, header(only) + LoadReport.mixed(mixed, null));
                return;
            }
            HitPath.Report hits = HitPath.run(stack, load, cached, results);
            System.out.println("Hit path: " + hits);
            if (hitsOnly) {
                write(report, header(only) + HitPathReport.markdown(hits));
                return;
            }
            MixedLoad.Report mixed = MixedLoad.run(stack, stack.baseUrl(), load, "gateway-mixed-25rps", cached,
                    home, Duration.ofMillis(150), DEVSTACK_JVM);
            System.out.println("Mixed: " + mixed);
            // The same load again at a gateway of its own, with a worker, an archiver and a notifier
            // of their own among the others, so that each one's memory can be measured after it.
            List<ServiceProcess> services = List.of(stack.startGatewayProcess(Map.of()),
                    stack.startWorkerProcess(Map.of()), stack.startArchiverProcess(Map.of()),
                    stack.startNotifierProcess(Map.of()));
            MixedLoad.Report mixedInProcesses = MixedLoad.run(stack, services.get(0).baseUrl(), load,
                    "gateway-process-mixed-25rps", cached, home, Duration.ofMillis(150),
                    java.util.stream.Stream.concat(DEVSTACK_JVM.stream(), services.stream().map(ServiceProcess::pid))
                            .toList());
            System.out.println("Mixed, services in processes: " + mixedInProcesses);
            List<Memory> memory = new java.util.ArrayList<>();
            for (ServiceProcess service : services) {
                memory.add(Memory.of(service));
                service.close();
            }
            memory.add(Memory.ofThisJvm("devstack JVM: 2 gateways, 2 workers, archiver, notifier, Kafka, stub"));
            stack.twilio().latency(Duration.ofMillis(300));

            DuplicateLookups.Report duplicates = DuplicateLookups.run(stack,
                    List.of(stack.baseUrl(), DevStack.baseUrl(secondGateway)), 200, 20);
            System.out.println("Duplicates: " + duplicates.twilioCalls() + " Twilio calls for 20 numbers");

            PrewarmUnderLoad.Report prewarm = PrewarmUnderLoad.run(stack, stack.baseUrl(), backlog, RATE, 60,
                    Duration.ofMillis(400));
            System.out.println("Prewarm: " + prewarm);

            stack.twilio().latency(Duration.ofMillis(300));
            BurstingClient.Report fairness = BurstingClient.run(stack, stack.baseUrl(), BURST, QUIET_SAMPLES);
            System.out.println("Fairness: " + fairness);

            // Last: thirty Twilio timeouts open the circuit breaker of the token they use, which every
            // scenario shares, and would fail the scenarios after.
            stack.twilio().latency(Duration.ofMillis(150));
            StalledLookups.Report stalls = StalledLookups.run(stack, stack.baseUrl(), STALLED, 15);
            System.out.println("Stalls: " + stalls);

            // Last of all: a million results on the topic keep every service that reads it busy.
            ViewMemory.Report view = ViewMemory.measure(stack);
            System.out.println("Answer view: " + view);

            write(report, header(only) + markdown(duplicates, stalls) + prewarmMarkdown(prewarm)
                    + fairnessMarkdown(fairness)
                    + LoadReport.markdown(hits, mixed, mixedInProcesses, memory) + ViewMemory.markdown(view));
        }
        finally {
            cleanUp.run();
        }
    }

    private static void write(Path report, String markdown) throws java.io.IOException {
        Files.createDirectories(report.toAbsolutePath().getParent());
        Files.writeString(report, markdown);
        System.out.println("Wrote " + report);
    }

    /**
     * @param only the part measured alone ({@code hits}, {@code mixed}, {@code fairness},
     *        {@code prewarm}), or empty for all
     */
    private static String header(String only) {
        boolean partial = !only.isEmpty() && !only.equals("all");
        return """
                # Benchmarks

                Made by `bin/bench%s` on %s (%d cores, Java %s). Everything runs on this one machine:
                Kafka, PostgreSQL, the Twilio stub (300 ms per call), two gateways and two
                lookup-workers, with `spamcheck.twilio.rate` = %d calls per second.
                Numbers from a shared 2-core machine vary from run to run by a few per cent.
                %s""".formatted(partial ? " " + only : "", Instant.now().truncatedTo(ChronoUnit.SECONDS),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), RATE,
                partial ? "\nOne section alone; `bin/bench` measures everything into docs/BENCHMARKS.md.\n" : "");
    }

    /** Looks the numbers up once so that the cache answers them from now on. */
    private static List<String> cache(DevStack stack, int count) {
        List<String> numbers = fresh(count);
        numbers.parallelStream().forEach(number -> {
            int status = Traffic.lookUp(stack.baseUrl(), stack.lookupToken(), number).statusCode();
            if (status != 200) {
                throw new IllegalStateException("Could not cache a number for the hit scenarios: " + status);
            }
        });
        return numbers;
    }

    /** New numbers, never looked up, whose last four digits are nothing the stub treats specially. */
    static List<String> fresh(int count) {
        List<String> numbers = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbers.add(Traffic.uniqueNumber(String.format("%04d", 1100 + (i % 2900))));
        }
        return numbers;
    }

    private static String markdown(DuplicateLookups.Report duplicates, StalledLookups.Report stalls) {
        long ok = duplicates.statuses().stream().filter(s -> s == 200).count();
        long unrelatedOk = stalls.loadedStatuses().stream().filter(s -> s == 200).count();
        double stallRatio = (double) stalls.loadedP95() / stalls.idleP95();
        return """

                ## One paid call per number

                200 concurrent requests for 20 distinct new numbers, each asked for through both
                gateways by each of two lookup tokens.

                | target | measured | |
                |---|---|---|
                | every request answered | %d of 200 answered 200 | %s |
                | exactly 20 Twilio calls | %d calls | %s |

                ## Stalled numbers never delay others

                %d lookups of numbers whose Twilio answer never comes in time (the stub's `…7777`)
                are in flight, their calls started more than a rate window ago; meanwhile %d lookups
                of unrelated new numbers, one after the other, against the same on the idle system
                just before (stub: 150 ms per call; here the gateway waits up to 8 s for a lookup and
                a Twilio call times out after 7 s, so the stalls outlast the measurement unretried).

                | target | measured | |
                |---|---|---|
                | every unrelated lookup answered | %d of %d answered 200 | %s |
                | unrelated p95 within 1.5× idle | idle %d ms, during stalls %d ms (×%.2f) | %s |
                """.formatted(ok, verdict(ok == 200), duplicates.twilioCalls(), verdict(duplicates.twilioCalls() == 20),
                stalls.stalled(), stalls.loadedMillis().size(), unrelatedOk, stalls.loadedMillis().size(),
                verdict(unrelatedOk == stalls.loadedMillis().size()), stalls.idleP95(), stalls.loadedP95(), stallRatio,
                verdict(stallRatio <= 1.5));
    }

    private static String prewarmMarkdown(PrewarmUnderLoad.Report prewarm) {
        double sustainedShare = prewarm.sustainedRate() / prewarm.rate();
        double latencyRatio = (double) prewarm.loadedP95() / prewarm.idleP95();
        return """

                ## Prewarm backlog under the account rate

                %d prewarm entries written at once to `spamcheck.lookup.prewarm` and worked off by
                both workers, while interactive lookups keep coming (one every 400 ms after the
                previous answer). Interactive latency is measured on the idle system, half before
                and half after the backlog (%d lookups), and throughout the backlog (%d lookups).

                | target | measured | |
                |---|---|---|
                | never more than %d calls in any one-second window at the stub | at most %d | %s |
                | sustains at least 90%% of the rate | %.1f calls/s (%.0f%%) | %s |
                | interactive p95 within 10%% of idle | idle %d ms, under load %d ms (%+.0f%%) | %s |

                The measurement took %s. Interactive p50: idle %d ms, under load %d ms.
                Of the workers' %d Twilio calls meanwhile, %d went out more than 10 ms after their
                slot, and their start moved in the rate window to when they did.
                """.formatted(prewarm.backlog(), prewarm.idleMillis().size(), prewarm.loadedMillis().size(),
                prewarm.rate(), prewarm.maxCallsInAnySecond(), verdict(prewarm.maxCallsInAnySecond() <= prewarm.rate()),
                prewarm.sustainedRate(), sustainedShare * 100, verdict(sustainedShare >= 0.9),
                prewarm.idleP95(), prewarm.loadedP95(), (latencyRatio - 1) * 100, verdict(latencyRatio <= 1.1),
                prewarm.duration().truncatedTo(ChronoUnit.SECONDS).toString().substring(2).toLowerCase(),
                Traffic.percentile(prewarm.idleMillis(), 50),
                Traffic.percentile(prewarm.loadedMillis(), 50), prewarm.lateness().calls(),
                prewarm.lateness().late());
    }

    private static String fairnessMarkdown(BurstingClient.Report fairness) {
        long quietOk = fairness.loadedStatuses().stream().filter(s -> s == 200).count();
        double ratio = (double) fairness.loadedP95() / fairness.idleP95();
        return """

                ## One client's burst does not starve another

                Two lookup tokens. The quiet one looks up %d new numbers one after the other on the
                idle system; then the bursting one asks for %d new numbers at once (%.0f s of the
                account's rate), and for another new number each time one is answered, so that many
                stay outstanding until the quiet client is done; meanwhile the quiet one looks up
                one as the burst arrives and %d more after it. Interactive lookups take turns by
                client at each worker's threads and at the rate.

                | target | measured | |
                |---|---|---|
                | every quiet lookup answered | %d of %d answered 200 | %s |
                | quiet p95 within 1.5× idle | idle %d ms, during the burst %d ms (×%.2f) | %s |

                The quiet client's lookups: idle p50 %d ms, slowest %d ms; during the burst p50 %d ms,
                slowest %d ms. Its lookup as the burst arrived, while the gateways took its %d new
                connections and requests on the same two cores, took %d ms.

                The bursting client's answers to the lookups it asked for until then: %d of %d 200,
                the rest 503 (they waited beyond the lookup timeout for their turn).
                """.formatted(fairness.idleMillis().size(), fairness.burst(), (double) fairness.burst() / RATE,
                fairness.loadedMillis().size(), quietOk, fairness.loadedStatuses().size(),
                verdict(quietOk == fairness.loadedStatuses().size()), fairness.idleP95(), fairness.loadedP95(), ratio,
                verdict(ratio <= 1.5),
                Traffic.percentile(fairness.idleMillis(), 50), Traffic.percentile(fairness.idleMillis(), 100),
                Traffic.percentile(fairness.loadedMillis(), 50), Traffic.percentile(fairness.loadedMillis(), 100),
                fairness.burst(), fairness.arrivalMillis(),
                fairness.burstStatuses().stream().filter(s -> s == 200).count(), fairness.burstStatuses().size());
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }
}
