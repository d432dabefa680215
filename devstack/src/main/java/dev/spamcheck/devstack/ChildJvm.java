package dev.spamcheck.devstack;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process of its own running a main class from this JVM's class path, so the fault tests can
 * kill it the way the kernel or an operator would ({@code kill -9}) rather than close it politely.
 * Its output goes to a log file.
 */
public final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;

    private ChildJvm(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /** Starts {@code mainClass} with {@code args}; {@code jvmOptions} go before the class path. */
    public static ChildJvm start(String name, Path log, List<String> jvmOptions, String mainClass, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(parentCompilerOptions());
        // Its own logging to standard output: the class path's logback files write to the
        // parent's log file, and Spring Boot would reconfigure from them.
        command.add("-Dlogback.configurationFile=devstack-child-logback.xml");
        command.add("-Dorg.springframework.boot.logging.LoggingSystem=none");
        // As in the images (Dockerfile): idle HTTP client connections kept 30 s on Java 17 too.
        command.add("-Djdk.httpclient.keepalive.timeout=30");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        if (launchedFromBootJar()) {
            // Inside the devstack's executable jar the classes live under BOOT-INF: Spring Boot's
            // launcher finds them, as bin/bench runs its main class.
            command.add("-Dloader.main=" + mainClass);
            command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
        }
        else {
            command.add(mainClass);
        }
        command.addAll(args);
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ChildJvm(name, process);
    }

    /**
     * The JIT settings this JVM runs with, for its children too: the system tests run C1 alone
     * (devstack/pom.xml), where C2's compiler threads cost a starting service more than they save,
     * and the processes they start then do the same, with the same code cache (C1 alone reserves
     * a small one by default). bin/devstack and bin/bench pass none.
     */
    private static List<String> parentCompilerOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(option -> option.startsWith("-XX:TieredStopAtLevel=")
                        || option.startsWith("-XX:ReservedCodeCacheSize="))
                .toList();
    }

    /** Runs {@code mainClass} to its end and fails unless it exits 0. */
    public static void run(String name, Path log, String mainClass, List<String> args, Duration timeout)
            throws IOException, InterruptedException {
        ChildJvm jvm = start(name, log, List.of(), mainClass, args);
        if (!jvm.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            jvm.kill();
            throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + log);
        }
        if (jvm.process.exitValue() != 0) {
            throw new IllegalStateException(name + " failed (exit " + jvm.process.exitValue() + "); see " + log);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed, as in a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then SIGKILL if it is still running after {@code grace}. */
    void stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop(Duration.ofSeconds(15));
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }

    private static boolean launchedFromBootJar() {
        return ChildJvm.class.getClassLoader().getClass().getName().startsWith("org.springframework.boot.loader");
    }
}
