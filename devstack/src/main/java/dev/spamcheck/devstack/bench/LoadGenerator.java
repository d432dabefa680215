package dev.spamcheck.devstack.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one of the Gatling simulations of {@code devstack/load-generator} in a JVM of its own
 * (its class path in {@code SPAMCHECK_BENCH_LOAD_CLASSPATH}, which bin/bench sets) and reads
 * what it measured. Each run keeps Gatling's HTML report under the results directory.
 */
final class LoadGenerator {

    /**
     * {@code measured[ / <request>]: <statistic> is greater than or equal to <n> : true (actual :
     * <value>)}: what the load generator's always-true assertions print (its {@code Report}); the
     * direct calls to the Twilio stub print as {@code stub / stub: ...}.
     */
    private static final Pattern MEASURED = Pattern.compile(
            "^(?:measured|stub)(?: / (\\S+))?: (.+?) is greater than or equal to \\S+ : (?:true|false) \\(actual : ([0-9.]+)\\)$");

    /** What Gatling measured for one named request; times in milliseconds. */
    record Stats(long ok, long failed, long p50, long p95, long p99, long max) {
    }

    /** The key of the calls straight to the Twilio stub ({@code ConstantRate} with {@code load.stub-url}). */
    static final String STUB = "stub";

    /** The key of all requests together (the lookups, never the stub's calls); only their p95 and p99 are known. */
    static final String ALL = "all requests";

    /** What the load generator's {@code Phases} print as the first measured request starts, and after the load. */
    static final String MEASURING = "load: measuring";
    static final String DONE = "load: done";

    /**
     * Told when Gatling starts its measured phase and when its load has ended, so that something
     * can be measured over the very requests Gatling counts (its JVM starts in its own time).
     */
    interface Window {

        void opened();

        void closed();
    }

    private static final Window NO_WINDOW = new Window() {

        @Override
        public void opened() {
        }

        @Override
        public void closed() {
        }
    };

    private final Path results;

    LoadGenerator(Path results) {
        this.results = results;
    }

    /**
     * @param simulation {@code Saturation} or {@code ConstantRate}
     * @param label names the run's log file
     * @param properties the simulation's {@code load.*} settings
     * @return the statistics of each reported request name
     */
    Map<String, Stats> run(String simulation, String label, Map<String, String> properties)
            throws IOException, InterruptedException {
        return run(simulation, label, properties, NO_WINDOW);
    }

    /** As {@link #run(String, String, Map)}, opening and closing {@code window} with Gatling's measured phase. */
    Map<String, Stats> run(String simulation, String label, Map<String, String> properties, Window window)
            throws IOException, InterruptedException {
        String classPath = System.getenv("SPAMCHECK_BENCH_LOAD_CLASSPATH");
        if (classPath == null) {
            throw new IllegalStateException("SPAMCHECK_BENCH_LOAD_CLASSPATH is not set: run bin/bench");
        }
        Files.createDirectories(results);
        Path log = results.resolve(label + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-cp", classPath, "io.gatling.app.Gatling", "-s", "dev.spamcheck.load." + simulation,
                "-rf", results.toString()));
        Process gatling = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean opened = false;
        boolean closed = false;
        // Read as it comes, not from the log afterwards: the window opens and closes on its lines.
        try (BufferedReader output = gatling.inputReader(StandardCharsets.UTF_8);
                BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                if (line.equals(MEASURING) && !opened) {
                    window.opened();
                    opened = true;
                }
                else if (line.equals(DONE) && opened && !closed) {
                    window.closed();
                    closed = true;
                }
                file.write(line);
                file.newLine();
            }
        }
        int exit = gatling.waitFor();
        Map<String, Stats> stats = parse(Files.readAllLines(log));
        if (exit != 0 || stats.isEmpty() || opened != closed) {
            throw new IllegalStateException("Gatling failed (exit " + exit + (opened != closed
                    ? ", its measured phase never ended" : "") + "); see " + log);
        }
        return stats;
    }

    private static Map<String, Stats> parse(List<String> lines) {
        Map<String, Map<String, Double>> values = new HashMap<>();
        for (String line : lines) {
            Matcher matcher = MEASURED.matcher(line.strip());
            if (matcher.matches()) {
                values.computeIfAbsent(matcher.group(1) == null ? ALL : matcher.group(1), name -> new HashMap<>())
                        .put(matcher.group(2), Double.parseDouble(matcher.group(3)));
            }
        }
        Map<String, Stats> stats = new HashMap<>();
        Map<String, Double> all = values.remove(ALL);
        if (all != null) {
            stats.put(ALL, new Stats(0, 0, 0, value(all, "95th percentile of response time"),
                    value(all, "99th percentile of response time"), 0));
        }
        values.forEach((request, measured) -> stats.put(request, new Stats(
                value(measured, "count of successful events"), value(measured, "count of failed events"),
                value(measured, "50th percentile of response time"), value(measured, "95th percentile of response time"),
                value(measured, "99th percentile of response time"), value(measured, "max of response time"))));
        return stats;
    }

    private static long value(Map<String, Double> measured, String statistic) {
        Double value = measured.get(statistic);
        if (value == null) {
            throw new IllegalStateException("Gatling did not report the " + statistic + ": " + measured.keySet());
        }
        return Math.round(value);
    }
}
