package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.spamcheck.devstack.ServiceProcess;

/**
 * One JVM's memory: the heap in use just after a full collection (what it keeps; a smaller heap
 * would have to hold it), the heap committed, and the process's resident set.
 */
record Memory(String jvm, long heapLiveBytes, long heapCommittedBytes, long heapMaxBytes, long residentBytes,
        long limitBytes) {

    /** Each service's memory limit in deploy/kubernetes/base: what its resident set must stay within. */
    private static final Map<String, Long> KUBERNETES_LIMITS_MIB = Map.of("gateway", 1024L, "lookup-worker", 768L,
            "archiver", 768L, "notifier", 896L);

    /**
     * The resident set once the heap has grown to its maximum, as it may under load: what the
     * process holds beside its committed heap (code, metaspace, threads, RocksDB) plus the whole heap.
     */
    long residentAtFullHeapBytes() {
        return residentBytes < 0 || heapMaxBytes <= 0 ? -1 : residentBytes - heapCommittedBytes + heapMaxBytes;
    }

    /** A service in a process of its own, from its Prometheus metrics and {@code /proc}. */
    static Memory of(ServiceProcess service) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            new ProcessBuilder(jcmd.toString(), String.valueOf(service.pid()), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
        String metrics = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(service.managementUrl() + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new Memory(service.name(), heap(metrics, "jvm_memory_used_bytes"),
                heap(metrics, "jvm_memory_committed_bytes"), heap(metrics, "jvm_memory_max_bytes"),
                resident(Path.of("/proc", String.valueOf(service.pid()), "status")),
                KUBERNETES_LIMITS_MIB.getOrDefault(service.name(), -1L) * 1024 * 1024);
    }

    /** This JVM: the devstack with what still runs in it. */
    static Memory ofThisJvm(String name) throws IOException {
        System.gc();
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        // No maximum: the devstack's heap is the JVM's default, a quarter of the machine, and no limit applies.
        return new Memory(name, heap.getUsed(), heap.getCommitted(), -1, resident(Path.of("/proc/self/status")), -1);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "–" : (bytes / (1024 * 1024)) + " MiB";
    }

    /** The resident set from a {@code /proc/<pid>/status}; -1 where there is none (not Linux). */
    private static long resident(Path status) throws IOException {
        if (!Files.exists(status)) {
            return -1;
        }
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("VmRSS:"))
                .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst().orElse(-1);
    }

    private static long heap(String metrics, String series) {
        return (long) metrics.lines().filter(line -> line.startsWith(series + "{") && line.contains("area=\"heap\""))
                // Pools without a maximum (G1's eden and survivor spaces) report -1.
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .filter(bytes -> bytes > 0).sum();
    }
}
