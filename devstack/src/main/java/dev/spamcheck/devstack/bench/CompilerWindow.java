package dev.spamcheck.devstack.bench;

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
