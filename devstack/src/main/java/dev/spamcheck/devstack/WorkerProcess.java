package dev.spamcheck.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.spamcheck.worker.LookupWorkerApplication;

/**
 * A lookup-worker in a JVM of its own, in the same consumer groups as the devstack's others, so
 * a fault test can {@code kill -9} it mid-burst.
 */
public final class WorkerProcess implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(90);

    private final ChildJvm jvm;
    private final int managementPort;
    private final Path log;

    private WorkerProcess(ChildJvm jvm, int managementPort, Path log) {
        this.jvm = jvm;
        this.managementPort = managementPort;
        this.log = log;
    }

    static WorkerProcess start(Path log, int managementPort, List<String> args)
            throws IOException, InterruptedException {
        ChildJvm jvm = ChildJvm.start("lookup-worker", log, List.of("-Xmx384m"),
                LookupWorkerApplication.class.getName(), args);
        WorkerProcess worker = new WorkerProcess(jvm, managementPort, log);
        try {
            worker.awaitReady();
        }
        catch (RuntimeException | InterruptedException ex) {
            jvm.kill();
            throw ex;
        }
        return worker;
    }

    /** Its actuator (health, Prometheus), e.g. {@code http://127.0.0.1:40123}. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    /** {@code kill -9}: the worker dies with its Twilio calls in flight and its offsets uncommitted. */
    public void kill() throws InterruptedException {
        jvm.kill();
    }

    public boolean isAlive() {
        return jvm.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        jvm.close();
    }

    private void awaitReady() throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest readiness = HttpRequest.newBuilder(URI.create(managementUrl() + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2)).build();
        long until = System.nanoTime() + READY.toNanos();
        while (true) {
            try {
                if (http.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            }
            catch (IOException notYet) {
                // not listening yet
            }
            if (!jvm.isAlive()) {
                throw new IllegalStateException("The lookup-worker exited while starting; see " + log);
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("The lookup-worker is not ready after " + READY + "; see " + log);
            }
            Thread.sleep(200);
        }
    }
}
