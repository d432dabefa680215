package dev.spamcheck.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A service (gateway, lookup-worker, archiver, notifier) in a JVM of its own, wired to the
 * devstack like the others, so a fault test can {@code kill -9} it and the benchmark can measure
 * its memory. Its heap is sized as in the Kubernetes manifests (deploy/kubernetes/base): the
 * image's 60 % of the container's limit, the gateway's 56 %.
 */
public final class ServiceProcess implements AutoCloseable {

    /** 56 % of the gateway's 1 GiB. */
    public static final String GATEWAY_HEAP = "573m";
    /** 60 % of the lookup-worker's and the archiver's 768 MiB. */
    static final String SERVICE_HEAP = "460m";
    /** 60 % of the notifier's 896 MiB. */
    static final String NOTIFIER_HEAP = "537m";
    private static final Duration READY = Duration.ofSeconds(90);

    private final String name;
    private final ChildJvm jvm;
    private final int port;
    private final int managementPort;
    private final Path log;

    private ServiceProcess(String name, ChildJvm jvm, int port, int managementPort, Path log) {
        this.name = name;
        this.jvm = jvm;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /**
     * @param port the API port of a gateway; the management port for the others
     */
    static ServiceProcess start(String name, Class<?> application, Path log, int port, int managementPort,
            String maxHeap, List<String> args) throws IOException, InterruptedException {
        ChildJvm jvm = ChildJvm.start(name, log, jvmOptions(maxHeap), application.getName(), args);
        ServiceProcess service = new ServiceProcess(name, jvm, port, managementPort, log);
        try {
            service.awaitReady();
        }
        catch (RuntimeException | InterruptedException ex) {
            jvm.kill();
            throw ex;
        }
        return service;
    }

    /** The options of every service's JVM here; the benchmark's baseline server gets the same. */
    public static List<String> jvmOptions(String maxHeap) {
        return List.of("-Xmx" + maxHeap, "-XX:+ExitOnOutOfMemoryError");
    }

    public String name() {
        return name;
    }

    /** A gateway's API, e.g. {@code http://127.0.0.1:40123}; the actuator for the others. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Its actuator (health, Prometheus). */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public long pid() {
        return jvm.pid();
    }

    /** {@code kill -9}: the service dies with its work in flight and its offsets uncommitted. */
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
                throw new IllegalStateException("The " + name + " exited while starting; see " + log);
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("The " + name + " is not ready after " + READY + "; see " + log);
            }
            Thread.sleep(200);
        }
    }
}
