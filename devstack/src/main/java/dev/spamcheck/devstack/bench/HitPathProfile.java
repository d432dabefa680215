package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the measured gateway's JVM spends its CPU while it answers cache hits at saturation:
 * JDK Flight Recorder's execution samples (every 10 ms per thread running Java code; native code
 * such as socket calls, and the garbage collector, are not sampled), by the thread they were taken
 * on; those on the gateway's HTTP event loops each charged to the activity of the innermost frame
 * that names one, and to every spamcheck method on its stack.
 */
final class HitPathProfile {

    /** Activities, checked in this order against each frame from the innermost outwards. */
    private static final Map<String, List<String>> ACTIVITIES = activities();
    /** Deep enough for Reactor's stacks, whose operators nest a frame or more each. */
    private static final int STACK_DEPTH = 256;

    private final ProcessRecording recording;

    private HitPathProfile(ProcessRecording recording) {
        this.recording = recording;
    }

    /**
     * Shares (0..1) of all samples by the thread they were taken on; and of the samples on the
     * gateway's HTTP event loops (the hit path's own work) by activity, and by spamcheck method.
     */
    record Breakdown(long samples, Map<String, Double> threads, long eventLoopSamples,
            Map<String, Double> activities, Map<String, Double> spamcheckMethods) {
    }

    /** Readies the JVM {@code pid} for this profile, before it is warmed up ({@link ProcessRecording#prime}). */
    static void prime(long pid, Path directory) throws IOException, InterruptedException {
        ProcessRecording.prime(pid, directory, STACK_DEPTH);
    }

    static HitPathProfile start(long pid, Path directory) throws IOException, InterruptedException {
        return new HitPathProfile(ProcessRecording.start(pid, "hit-path", directory,
                "<event name=\"jdk.ExecutionSample\"><setting name=\"enabled\">true</setting>"
                        + "<setting name=\"period\">10 ms</setting></event>"));
    }

    Breakdown stop(Path file) throws IOException, InterruptedException {
        recording.stop(file);
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byActivity = new HashMap<>();
        Map<String, Long> byMethod = new HashMap<>();
        long samples = 0;
        long eventLoop = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            RecordedStackTrace stack = event.getStackTrace();
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || stack == null) {
                continue;
            }
            samples++;
            String thread = ThreadKinds.measured(event.getThread("sampledThread") == null ? ""
                    : String.valueOf(event.getThread("sampledThread").getJavaName()));
            byThread.merge(thread, 1L, Long::sum);
            if (!thread.equals(ThreadKinds.MEASURED_EVENT_LOOPS)) {
                continue;
            }
            eventLoop++;
            byActivity.merge(activity(stack.getFrames()), 1L, Long::sum);
            Set<String> methods = new HashSet<>();
            for (RecordedFrame frame : stack.getFrames()) {
                String type = frame.getMethod().getType().getName();
                String method = frame.getMethod().getName();
                // Lambdas' and proxies' generated classes say nothing their callers do not, and
                // the connection guard is at the bottom of every stack on the event loops.
                if (type.startsWith("dev.spamcheck.") && !type.contains("$$") && !method.startsWith("lambda$")
                        && !frame.getMethod().isHidden() && !type.endsWith(".RequestTargetGuard")) {
                    methods.add(type.substring(type.lastIndexOf('.') + 1) + "." + method);
                }
            }
            methods.forEach(method -> byMethod.merge(method, 1L, Long::sum));
        }
        return new Breakdown(samples, shares(byThread, samples, 20), eventLoop, shares(byActivity, eventLoop, 20),
                shares(byMethod, eventLoop, 12));
    }

    private static String activity(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            for (Map.Entry<String, List<String>> activity : ACTIVITIES.entrySet()) {
                if (activity.getValue().stream().anyMatch(type::startsWith)) {
                    return activity.getKey();
                }
            }
        }
        return "JVM and JDK (no framework frame)";
    }

    private static Map<String, Double> shares(Map<String, Long> counts, long total, int limit) {
        Map<String, Double> shares = new LinkedHashMap<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
                .forEach(entry -> shares.put(entry.getKey(), total == 0 ? 0 : (double) entry.getValue() / total));
        return shares;
    }

    private static Map<String, List<String>> activities() {
        Map<String, List<String>> activities = new LinkedHashMap<>();
        activities.put("JSON (Jackson)", List.of("tools.jackson.", "com.fasterxml.jackson."));
        activities.put("PostgreSQL client (R2DBC, JDBC)", List.of("io.r2dbc.", "org.postgresql."));
        activities.put("phone number parsing (libphonenumber)", List.of("com.google.i18n.phonenumbers."));
        activities.put("hashing and encryption (javax.crypto)", List.of("javax.crypto.", "com.sun.crypto.",
                "sun.security."));
        activities.put("Kafka client", List.of("org.apache.kafka."));
        activities.put("metrics (Micrometer)", List.of("io.micrometer."));
        activities.put("logging", List.of("ch.qos.logback.", "org.slf4j."));
        activities.put("token check and audit (spamcheck)", List.of("dev.spamcheck.gateway.auth.",
                "dev.spamcheck.gateway.audit."));
        activities.put("spamcheck, other", List.of("dev.spamcheck."));
        activities.put("Spring Security", List.of("org.springframework.security."));
        activities.put("HTTP and sockets (Netty)", List.of("io.netty.", "reactor.netty."));
        activities.put("Spring WebFlux and Reactor", List.of("org.springframework.", "reactor."));
        activities.put("Caffeine", List.of("com.github.benmanes.caffeine."));
        return activities;
    }
}
