package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time the machine spends on a target while Gatling measures it, by what spent it, for
 * CPU per request: the measured server's process by its threads' kinds ({@code /proc}, per
 * thread; what threads that ended within the window spent counts as "other"); the devstack JVM's
 * live threads by {@link ThreadKinds} ({@code ThreadMXBean}, user and system time); the rest of
 * that JVM, its process time less its live threads' (the garbage collector, the JIT compilers and
 * JFR are not Java threads, and a thread that ends within the window takes its time with it); and
 * from {@code /proc}, PostgreSQL's server with its backends, and Kafka's broker when it runs as a
 * process of its own. Gatling's JVM is not counted.
 */
final class CpuUse {

    static final String JVM_REST = "devstack JVM outside its live Java threads (GC, JIT, JFR, ended threads)";
    static final String KAFKA_PROCESS = "Kafka broker process";
    static final String POSTGRES = "PostgreSQL server and backends (processes)";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** /proc counts in clock ticks, usually 100 a second: a process's time is known to 10 ms. */
    private static final long TICK_NANOS = 1_000_000_000L / clockTicks();

    private final Path postmasterPid;
    private final String kafkaConfig;

    /** @param home the devstack's home, under which PostgreSQL's data and a Kafka process's configuration live */
    CpuUse(Path home) {
        this.postmasterPid = home.resolve("postgres").resolve("data").resolve("postmaster.pid");
        this.kafkaConfig = home.resolve("kafka").resolve("server.properties").toString();
    }

    /**
     * Nanoseconds of CPU by what spent them, in the reports' row order, over a window; and the
     * threads that ended within it, by name with digits as {@code N}, whose last time is lost.
     */
    record Report(Map<String, Long> nanos, Duration window, Map<String, Integer> ended) {

        long total() {
            return nanos.values().stream().mapToLong(Long::longValue).sum();
        }

        double microsPerRequest(String row, long requests) {
            return requests == 0 ? 0 : nanos.getOrDefault(row, 0L) / 1000.0 / requests;
        }

        double totalMicrosPerRequest(long requests) {
            return requests == 0 ? 0 : total() / 1000.0 / requests;
        }
    }

    /** @param measured the process of the server under load */
    Window window(long measured) {
        return new Window(measured);
    }

    /** Opened and closed by Gatling's phases ({@link LoadGenerator.Window}). */
    final class Window implements LoadGenerator.Window {

        private final long measured;
        private Snapshot start;
        private Snapshot end;

        private Window(long measured) {
            this.measured = measured;
        }

        @Override
        public void opened() {
            start = snapshot(measured);
        }

        @Override
        public void closed() {
            end = snapshot(measured);
        }

        Report report() {
            if (start == null || end == null) {
                throw new IllegalStateException("Gatling never opened or closed its measured window");
            }
            Map<String, Long> nanos = new LinkedHashMap<>();
            ThreadKinds.allMeasured().forEach(kind -> nanos.put(kind, 0L));
            long measuredThreads = 0;
            for (Map.Entry<Long, ThreadCpu> thread : end.measuredThreads().entrySet()) {
                ThreadCpu before = start.measuredThreads().get(thread.getKey());
                long spent = (thread.getValue().nanos() - (before == null ? 0 : before.nanos()));
                nanos.merge(ThreadKinds.measured(thread.getValue().name()), spent, Long::sum);
                measuredThreads += spent;
            }
            nanos.merge(ThreadKinds.MEASURED_OTHER,
                    Math.max(0, end.measuredNanos() - start.measuredNanos() - measuredThreads), Long::sum);
            ThreadKinds.all().forEach(kind -> nanos.put(kind, 0L));
            long threads = 0;
            Map<String, Integer> ended = new java.util.TreeMap<>();
            for (Map.Entry<Long, ThreadCpu> thread : end.threads().entrySet()) {
                ThreadCpu before = start.threads().get(thread.getKey());
                long spent = thread.getValue().nanos() - (before == null ? 0 : before.nanos());
                nanos.merge(ThreadKinds.of(thread.getValue().name()), spent, Long::sum);
                threads += spent;
            }
            start.threads().forEach((id, thread) -> {
                if (!end.threads().containsKey(id)) {
                    ended.merge(thread.name().replaceAll("\\d+", "N"), 1, Integer::sum);
                }
            });
            nanos.put(JVM_REST, Math.max(0, end.jvmNanos() - start.jvmNanos() - threads));
            if (start.kafkaTicks() >= 0 && end.kafkaTicks() >= 0) {
                nanos.put(KAFKA_PROCESS, (end.kafkaTicks() - start.kafkaTicks()) * TICK_NANOS);
            }
            nanos.put(POSTGRES, Math.max(0, end.postgresTicks() - start.postgresTicks()) * TICK_NANOS);
            return new Report(nanos, Duration.ofNanos(end.at() - start.at()), ended);
        }
    }

    private record ThreadCpu(String name, long nanos) {
    }

    /** @param kafkaTicks -1 when Kafka runs in the devstack's JVM */
    private record Snapshot(long at, Map<Long, ThreadCpu> threads, long jvmNanos, long kafkaTicks,
            long postgresTicks, Map<Long, ThreadCpu> measuredThreads, long measuredNanos) {
    }

    private Snapshot snapshot(long measured) {
        long at = System.nanoTime();
        long[] ids = THREADS.getAllThreadIds();
        long[] nanos = THREADS.getThreadCpuTime(ids);
        ThreadInfo[] infos = THREADS.getThreadInfo(ids, 0);
        Map<Long, ThreadCpu> threads = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            // null or -1: the thread ended between the calls
            if (infos[i] != null && nanos[i] >= 0) {
                threads.put(ids[i], new ThreadCpu(infos[i].getThreadName(), nanos[i]));
            }
        }
        long jvm = PROCESS.getProcessCpuTime();
        List<ProcStat> processes = processes();
        long kafka = processes.stream().filter(p -> p.commandLine().contains("kafka.Kafka")
                && p.commandLine().contains(kafkaConfig)).mapToLong(ProcStat::ownTicks).findFirst().orElse(-1);
        Path measuredProc = Path.of("/proc", String.valueOf(measured));
        ProcStat measuredProcess = stat(measuredProc);
        return new Snapshot(at, threads, jvm, kafka, postgresTicks(processes), tasks(measuredProc),
                measuredProcess == null ? 0 : measuredProcess.ownTicks() * TICK_NANOS);
    }

    /**
     * The CPU each of a JVM's JIT compiler threads has spent so far, by thread id (HotSpot names
     * them {@code C1 CompilerThreadN} and {@code C2 CompilerThreadN}; the kernel keeps 15
     * characters).
     */
    static Map<Long, Long> compilerThreads(long pid) {
        Map<Long, Long> compilers = new HashMap<>();
        tasks(Path.of("/proc", String.valueOf(pid))).forEach((id, thread) -> {
            if (thread.name().startsWith("C1 CompilerThre") || thread.name().startsWith("C2 CompilerThre")) {
                compilers.put(id, thread.nanos());
            }
        });
        return compilers;
    }

    /** A process's threads by id, with the kernel's name for each and the CPU it has spent. */
    private static Map<Long, ThreadCpu> tasks(Path process) {
        Map<Long, ThreadCpu> tasks = new HashMap<>();
        try (Stream<Path> all = Files.list(process.resolve("task"))) {
            all.forEach(task -> {
                ProcStat stat = stat(task);
                if (stat != null) {
                    try {
                        tasks.put(stat.pid(), new ThreadCpu(Files.readString(task.resolve("comm")).strip(),
                                stat.ownTicks() * TICK_NANOS));
                    }
                    catch (IOException ended) {
                        // the thread ended between the reads: its time shows as the process's
                    }
                }
            });
        }
        catch (IOException gone) {
            // no such process: nothing measured
        }
        return tasks;
    }

    /**
     * The postmaster's own time and its reaped children's, and each live backend's: a backend
     * that exits within the window moves its time into the postmaster's children's.
     */
    private long postgresTicks(List<ProcStat> processes) {
        long postmaster = postmaster();
        long ticks = 0;
        for (ProcStat process : processes) {
            if (process.pid() == postmaster) {
                ticks += process.ownTicks() + process.childrenTicks();
            }
            else if (process.parent() == postmaster) {
                ticks += process.ownTicks();
            }
        }
        return ticks;
    }

    private long postmaster() {
        try {
            return Long.parseLong(Files.readAllLines(postmasterPid).get(0).strip());
        }
        catch (IOException | RuntimeException notRunning) {
            return -1;
        }
    }

    /** One process's line of {@code /proc/<pid>/stat}, with its command line. */
    private record ProcStat(long pid, long parent, long ownTicks, long childrenTicks, String commandLine) {
    }

    private static List<ProcStat> processes() {
        try (Stream<Path> all = Files.list(Path.of("/proc"))) {
            return all.filter(dir -> dir.getFileName().toString().chars().allMatch(Character::isDigit))
                    .map(CpuUse::stat).filter(java.util.Objects::nonNull).toList();
        }
        catch (IOException noProc) {
            return List.of();
        }
    }

    private static ProcStat stat(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // After the command name in parentheses, which may hold spaces: state, ppid, ... utime (14th
            // field), stime, cutime, cstime.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            String commandLine = new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
            return new ProcStat(Long.parseLong(dir.getFileName().toString()), Long.parseLong(fields[1]),
                    Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
                    Long.parseLong(fields[13]) + Long.parseLong(fields[14]), commandLine);
        }
        catch (IOException | RuntimeException gone) {
            return null;
        }
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        }
        catch (IOException | RuntimeException ex) {
            return 100;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
