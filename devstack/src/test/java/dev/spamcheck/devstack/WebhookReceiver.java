package dev.spamcheck.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A webhook receiver on loopback for the system tests: records every delivery per path and
 * answers as each path is told to (by attempt), 200 by default. Each request has a thread of its
 * own, so one slow answer holds no other.
 */
final class WebhookReceiver implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How to answer one attempt. */
    record Answer(int status, Map<String, String> headers, Duration delay) {

        static Answer status(int status) {
            return new Answer(status, Map.of(), Duration.ZERO);
        }
    }

    record Delivery(Instant receivedAt, String signature, String body) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        /** Whether the signature header is the documented HMAC of its time and this body. */
        boolean signedWith(String secret) {
            String[] parts = signature.split(",");
            if (parts.length != 2 || !parts[0].startsWith("t=") || !parts[1].startsWith("v1=")) {
                return false;
            }
            String t = parts[0].substring("t=".length());
            String v1 = parts[1].substring("v1=".length());
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                String expected = HexFormat.of()
                        .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
                return expected.equals(v1);
            }
            catch (java.security.GeneralSecurityException ex) {
                throw new IllegalStateException(ex);
            }
        }

        long signedAt() {
            return Long.parseLong(signature.split(",")[0].substring("t=".length()));
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, List<Delivery>> received = new ConcurrentHashMap<>();
    private final Map<String, IntFunction<Answer>> answers = new ConcurrentHashMap<>();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
    }

    static WebhookReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        WebhookReceiver receiver = new WebhookReceiver(server);
        server.createContext("/", receiver::handle);
        server.setExecutor(receiver.threads);
        server.start();
        return receiver;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers attempts on this path with {@code answer.apply(n)}, n counting from 1. */
    void answer(String path, IntFunction<Answer> answer) {
        answers.put(path, answer);
    }

    List<Delivery> received(String path) {
        return List.copyOf(received.getOrDefault(path, List.of()));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Delivery> deliveries = received.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>());
        deliveries.add(new Delivery(Instant.now(), exchange.getRequestHeaders().getFirst("Spamcheck-Signature"), body));
        Answer answer = answers.getOrDefault(path, n -> Answer.status(200)).apply(deliveries.size());
        try {
            Thread.sleep(answer.delay().toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(answer.status(), -1);
        try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
        }
        catch (IOException ex) {
            // The sender gave up waiting: that is what a slow receiver is for.
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
