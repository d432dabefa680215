package dev.spamcheck.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One devstack for the whole test run (Kafka, PostgreSQL, the Twilio stub and the services),
 * started on first use and stopped when the test run ends ({@link TestStackStop}). The cache TTL is shortened to
 * {@link #CACHE_TTL} so expiry can be observed.
 */
final class TestStack {

    static final Duration CACHE_TTL = Duration.ofSeconds(5);
    /**
     * The archivers' scheduler armed, but never firing, nor caught up: a real night's job would
     * change what tests see. 30 February (29 February would fire on leap days).
     */
    static final String NIGHTLY_CRON = "0 0 2 30 2 *";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> REQUEST_IDS = ConcurrentHashMap.newKeySet();
    private static final Set<String> TOKENS_SEEN = ConcurrentHashMap.newKeySet();
    private static final Set<String> EXCUSED_FROM_AUDIT = ConcurrentHashMap.newKeySet();
    private static final Set<String> ABANDONED_CAMPAIGNS = ConcurrentHashMap.newKeySet();
    private static DevStack stack;
    private static boolean stopped;

    private TestStack() {
    }

    static synchronized DevStack get() {
        if (stopped) {
            throw new IllegalStateException("The test run has ended: its devstack is stopped");
        }
        if (stack == null) {
            try {
                Path home = freshHome("devstack-test");
                stack = DevStack.start(new DevStack.Options(home, 0, 0, Duration.ofMillis(50),
                        Map.of("spamcheck.cache-ttl", CACHE_TTL.toString(),
                                // Every add-on in each Twilio call (SeveralSourcesSystemTest); Nomorobo decides, as by default.
                                "spamcheck.providers.twilio.add-ons",
                                "nomorobo_spamscore,icehook_scout,marchex_cleancall,truecnam_truespam",
                                // Failure-mode tests must not open the shared worker's circuit.
                                "spamcheck.twilio.circuit.sliding-window-size", "200",
                                "spamcheck.twilio.circuit.minimum-calls", "200",
                                // Webhook retries observable within a test: from 0.5 s, for 10 s.
                                "spamcheck.webhooks.retry-initial-interval", "PT0.5S",
                                "spamcheck.webhooks.retry-max-interval", "PT2S",
                                "spamcheck.webhooks.retry-for", "PT10S",
                                "spamcheck.webhooks.timeout", "PT2S",
                                "spamcheck.webhooks.poll-interval", "PT0.2S",
                                "spamcheck.nightly.cron", NIGHTLY_CRON), null, null));
                // Only for a run that does not end (interrupted, its fork told to stop): PostgreSQL
                // runs detached from this JVM and would outlive it. A run that ends stops the stack
                // first (TestStackStop), and this finds nothing left to stop.
                Runtime.getRuntime().addShutdownHook(new Thread(TestStack::stop, "test-devstack-stop"));
            }
            catch (Exception ex) {
                throw new IllegalStateException("Cannot start the test devstack", ex);
            }
        }
        return stack;
    }

    /** Stops the stack, if one was started, for the rest of the run ({@link TestStackStop}). */
    static synchronized void stop() {
        stopped = true;
        if (stack == null) {
            return;
        }
        try {
            stack.close();
        }
        catch (Exception ex) {
            System.err.println("Test devstack did not stop cleanly: " + ex);
        }
        finally {
            stack = null;
        }
    }

    /** A valid US number no other test uses, ending in the given four digits (the stub's magic). */
    static String uniqueNumber(String lastFour) {
        return Traffic.uniqueNumber(lastFour);
    }

    /** Every number handed out so far, to check none of them rests in plaintext. */
    static Set<String> issuedNumbers() {
        return Traffic.issuedNumbers();
    }

    static NumberProtection protection() {
        return NumberProtection.fromSecrets(get().hashKey(), get().encryptionKeys());
    }

    static HttpResponse<String> postSpamScore(String baseUrl, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/spam_score"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + get().lookupToken())
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A request to the stack's gateway with the given token (null: none). */
    static HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(get().baseUrl() + path));
        if (token != null) {
            remember(token);
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    /** Tokens the tests used, so the audit trail can be searched for them. */
    static void remember(String token) {
        TOKENS_SEEN.add(token);
    }

    static Set<String> tokensSeen() {
        TOKENS_SEEN.add(get().lookupToken());
        TOKENS_SEEN.add(get().adminToken());
        return Set.copyOf(TOKENS_SEEN);
    }

    /** Ids of every request the tests made, to check each left exactly one audit row. */
    static Set<String> requestIds() {
        Set<String> all = new java.util.HashSet<>(REQUEST_IDS);
        all.addAll(Traffic.requestIds());
        return Set.copyOf(all);
    }

    /** Requests made while the audit trail was broken on purpose: they may or may not have a row. */
    static void excuseFromAudit(String requestId) {
        EXCUSED_FROM_AUDIT.add(requestId);
    }

    static Set<String> excusedFromAudit() {
        return Set.copyOf(EXCUSED_FROM_AUDIT);
    }

    /** A campaign's requests may include some their clients gave up on unanswered (audited abandoned). */
    static void excuseAbandonedInCampaign(String campaignId) {
        ABANDONED_CAMPAIGNS.add(campaignId);
    }

    static Set<String> campaignsExcusedWhenAbandoned() {
        return Set.copyOf(ABANDONED_CAMPAIGNS);
    }

    static void recordRequestId(HttpResponse<?> response) {
        response.headers().firstValue("X-Request-Id").ifPresent(REQUEST_IDS::add);
    }

    static void recordRequestId(String requestId) {
        REQUEST_IDS.add(requestId);
    }

    static HttpResponse<String> postSpamScore(String body) {
        return postSpamScore(get().baseUrl(), body);
    }

    static HttpResponse<String> lookUp(String number) {
        return postSpamScore("{\"phone_number\": \"" + number + "\"}");
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        return Traffic.send(request.timeout(Duration.ofSeconds(30)).build());
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    static Connection database() throws SQLException {
        return DriverManager.getConnection(get().jdbcUrl(), get().databaseUser(), "");
    }

    /**
     * An empty {@code target/<name>} for a devstack of a test's own; unlike a temporary
     * directory it keeps the services' logs after a failure.
     */
    static Path freshHome(String name) throws IOException {
        Path home = Path.of("target", name).toAbsolutePath();
        deleteRecursively(home);
        Files.createDirectories(home);
        return home;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var files = Files.walk(path)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
