package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU the JIT compilers of some JVMs spend while Gatling's load runs, as a share of one core:
 * how far from compiled the code that serves the load still is.
 */
final class CompilerWindow implements LoadGenerator.Window {

    private final List<Long> pids;
    private long startNanos;
    private Map<Long, Long> start = Map.of();
    private double share = Double.NaN;

    CompilerWindow(List<Long> pids) {
        this.pids = pids;
    }

    /** The Gatling settings of warm-up round {@code round} (from 1). */
    interface Round {

        Map<String, String> settings(String name, int round) throws IOException;
    }

    /**
     * Runs {@code simulation} in rounds until the compilers of {@code pids} took at most
     * {@code quiet} of a core in one without a failed request (a round that failed fast would look
     * quiet), at most {@code maxRounds}.
     */
    static HitPath.JitWarmup warmUp(LoadGenerator load, String simulation, String label, Round round, List<Long> pids,
            double quiet, int maxRounds) throws IOException, InterruptedException {
        double share = Double.NaN;
        for (int rounds = 1; rounds <= maxRounds; rounds++) {
            String name = label + "-jit-warmup-" + rounds;
            CompilerWindow compilers = new CompilerWindow(pids);
            Map<String, LoadGenerator.Stats> stats = load.run(simulation, name, round.settings(name, rounds), compilers);
            share = compilers.share();
            long failed = stats.values().stream().mapToLong(LoadGenerator.Stats::failed).sum();
            System.out.printf("%s: JIT warm-up round %d, compilers %s, %d failed%n", label, rounds,
                    HitPathReport.coreShare(share, "%.1f"), failed);
            if (failed == 0 && share <= quiet) {
                return new HitPath.JitWarmup(rounds, true, share);
            }
        }
        return new HitPath.JitWarmup(maxRounds, false, share);
    }

    @Override
    public void opened() {
        start = compilerThreads();
        startNanos = System.nanoTime();
    }

    @Override
    public void closed() {
        Map<Long, Long> end = compilerThreads();
        if (!end.keySet().containsAll(start.keySet())
                || !pids.stream().allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) {
            // HotSpot stops compiler threads it has no work for (on more than 2 cores), and
            // their time goes with them; a JVM that ended took all of its: not known to be quiet.
            share = Double.NaN;
            return;
        }
        long spent = end.entrySet().stream()
                .mapToLong(thread -> thread.getValue() - start.getOrDefault(thread.getKey(), 0L)).sum();
        share = (double) spent / (System.nanoTime() - startNanos);
    }

    /** The share of one core; NaN until the window closed, or when it cannot be known. */
    double share() {
        return share;
    }

    /** Thread ids are the kernel's, unique across processes. */
    private Map<Long, Long> compilerThreads() {
        Map<Long, Long> threads = new HashMap<>();
        pids.forEach(pid -> threads.putAll(CpuUse.compilerThreads(pid)));
        return threads;
    }
}
