package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A JDK Flight Recorder recording of another JVM on this machine, started and stopped with
 * {@code jcmd}: the measured server runs in a process of its own, as it is deployed, so its
 * samples and pauses are its own and not the devstack's.
 */
final class ProcessRecording {

    private final long pid;
    private final String name;

    private ProcessRecording(long pid, String name) {
        this.pid = pid;
        this.name = name;
    }

    /**
     * Starts and stops a recording of nothing, before the JVM is warmed up: a JVM's first
     * recording throws away much of its compiled code (JFR instruments the JDK's event classes
     * by retransforming them; the JIT's log showed some 6,500 methods made not entrant in the
     * second a recording started). Started as a measurement begins, it left the gateway
     * recompiling its whole hit path throughout the measured window. Later recordings do not.
     *
     * @param stackDepth frames kept per stack trace in this JVM's recordings, which only its
     *        first recording can set
     */
    static void prime(long pid, Path directory, int stackDepth) throws IOException, InterruptedException {
        jcmd(pid, "JFR.configure", "stackdepth=" + stackDepth);
        jcmd(pid, "JFR.start", "name=priming", "settings=" + settings(directory, "priming", "").toAbsolutePath());
        jcmd(pid, "JFR.stop", "name=priming");
    }

    /**
     * Starts a recording; the JVM must have been {@linkplain #prime primed}.
     *
     * @param events the events to record, each with its settings, as a {@code .jfc} file's
     *        {@code <event>} elements hold them
     */
    static ProcessRecording start(long pid, String name, Path directory, String events)
            throws IOException, InterruptedException {
        jcmd(pid, "JFR.start", "name=" + name, "settings=" + settings(directory, name, events).toAbsolutePath());
        return new ProcessRecording(pid, name);
    }

    private static Path settings(Path directory, String name, String events) throws IOException {
        Path settings = directory.resolve(name + ".jfc");
        Files.createDirectories(directory);
        Files.writeString(settings, """
                <?xml version="1.0" encoding="UTF-8"?>
                <configuration version="2.0" label="%s">
                %s
                </configuration>
                """.formatted(name, events), StandardCharsets.UTF_8);
        return settings;
    }

    /** Stops the recording and has the process write it to {@code file}. */
    Path stop(Path file) throws IOException, InterruptedException {
        Files.deleteIfExists(file);
        jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
        if (!Files.exists(file)) {
            throw new IllegalStateException("JFR recording " + name + " of process " + pid + " was not written");
        }
        return file;
    }

    private static void jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid)));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", line) + " failed: " + out);
        }
    }
}
