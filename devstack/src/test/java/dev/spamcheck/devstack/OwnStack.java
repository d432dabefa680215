package dev.spamcheck.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.spamcheck.devstack.bench.Traffic;

/**
 * Requests to a devstack a test started for itself. Unlike {@link Traffic}'s they are not counted
 * for the shared stack's audit check ({@link AuditTrailSystemTest}): their audit rows are in
 * another database.
 */
final class OwnStack {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OwnStack() {
    }

    /**
     * A devstack of the test's own in {@code target/<name>} (kept after the run, logs and all),
     * Kafka in this JVM or, with {@code kafkaProcess}, as a process of its own.
     */
    static DevStack start(String name, Duration stubLatency, boolean kafkaProcess) throws Exception {
        return DevStack.start(new DevStack.Options(TestStack.freshHome(name), 0, 0, stubLatency,
                Map.of("spamcheck.nightly.cron", TestStack.NIGHTLY_CRON), null,
                null, kafkaProcess));
    }

    /** Asks {@code stack}'s first gateway for a number's spam score with its lookup token. */
    static HttpResponse<String> lookUp(DevStack stack, String number) {
        return send(Traffic.lookUpRequest(stack.baseUrl(), stack.lookupToken(), number));
    }

    /** Asks {@code stack}'s first gateway for a number's spam score with {@code token}. */
    static HttpResponse<String> lookUp(DevStack stack, String token, String number) {
        return send(Traffic.lookUpRequest(stack.baseUrl(), token, number));
    }

    /** A new lookup token on {@code stack}. */
    static String newLookupToken(DevStack stack, String name) {
        return Traffic.tokenOf(send(Traffic.newLookupTokenRequest(stack, stack.baseUrl(), name)));
    }

    /** {@code POST /api/v1/spam_score} with this body to {@code stack}'s first gateway, with its lookup token. */
    static HttpResponse<String> postSpamScore(DevStack stack, String body) {
        return send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/api/v1/spam_score"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + stack.lookupToken())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** The audit outcome of each of these requests that {@code stack}'s archiver has stored, by request id. */
    static Map<String, String> auditOutcomes(DevStack stack, Collection<String> requestIds) throws Exception {
        Map<String, String> outcomes = new HashMap<>();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                PreparedStatement query = db.prepareStatement(
                        "SELECT request_id, outcome FROM audit_log WHERE request_id = ANY (?)")) {
            query.setArray(1, db.createArrayOf("uuid", requestIds.stream().map(UUID::fromString).toArray()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    outcomes.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return outcomes;
    }
}
