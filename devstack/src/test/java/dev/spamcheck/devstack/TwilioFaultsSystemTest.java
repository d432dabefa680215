package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;

/**
 * Twilio failing beyond the stub's magic numbers, for every number at once: unreachable until
 * the circuit opens, 5 s slow, or rate-limiting everything for 5 s; or for one token's burst of
 * numbers, which opens that token's circuit only. Callers get only documented
 * answers: a number with a score from the last week gets it back marked stale, others a 503 whose
 * Retry-After says when to ask again. The breaker and the rate back-off show in the worker's
 * metrics, rate limits never open the breaker, and lookups answer again once Twilio does. On a
 * devstack of its own with the product's breaker settings, but an open time of 5 s instead of 10
 * (the shared stack keeps its circuit closed for the other tests).
 */
class TwilioFaultsSystemTest {

    @TempDir
    static Path home;
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = DevStack.start(new DevStack.Options(home, 0, 0, Duration.ofMillis(50),
                Map.of("spamcheck.twilio.circuit.open-for", "PT5S", "spamcheck.nightly.cron", TestStack.NIGHTLY_CRON),
                null, null));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void twilioUnreachableOpensTheCircuitAndLookupsComeBack() throws Exception {
        String known = Traffic.uniqueNumber("0042");
        String lastWeek = lastScoredDaysAgo(known, 3);
        stack.twilio().refuseConnections();
        Set<Integer> statuses = new HashSet<>();
        boolean circuitOpened = false;
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            while (!circuitOpened && System.nanoTime() < until) {
                HttpResponse<String> response = lookUp(Traffic.uniqueNumber("0123"));
                statuses.add(response.statusCode());
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
                circuitOpened |= metric("spamcheck_twilio_circuit_open") == 1;
            }
            assertThat(circuitOpened).as("spamcheck_twilio_circuit_open was 1").isTrue();

            // While it is open: a new number is told when to ask again, at most the open time away...
            HttpResponse<String> refused = lookUp(Traffic.uniqueNumber("0123"));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 5);
            // ...and a number scored three days ago gets that score, said to be stale, unless it asks not to.
            HttpResponse<String> stale = lookUp(known);
            assertThat(stale.statusCode()).as(stale.body()).isEqualTo(200);
            OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", stale);
            assertThat(stale.body()).isEqualTo("{\"spam_score\":1,\"checked_at\":\"" + lastWeek + "\",\"stale\":true}");
            HttpResponse<String> noStale = OwnStack.postSpamScore(stack,
                    "{\"phone_number\":\"" + known + "\",\"max_stale\":\"PT0S\"}");
            assertThat(noStale.statusCode()).as(noStale.body()).isEqualTo(503);
            List<String> requestIds = List.of(requestId(stale), requestId(noStale));
            assertThat(await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> OwnStack.auditOutcomes(stack, requestIds), outcomes -> outcomes.size() == 2).values())
                    .containsExactlyInAnyOrder("stale", "unavailable");
        }
        finally {
            stack.twilio().acceptConnections();
        }

        assertThat(statuses).containsOnly(503);
        assertThat(metric("spamcheck_twilio_calls_total{outcome=\"twilio_unreachable\"")).isPositive();
        // The circuit stays open for its 5 s, then one trial call closes it.
        awaitAnswers(Duration.ofSeconds(20));
        assertThat(metric("spamcheck_twilio_circuit_open")).isZero();
    }

    @Test
    void fiveSecondsSlowForEverythingAnswers503InTimeAndRecovers() {
        stack.twilio().latency(Duration.ofSeconds(5));
        try {
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                HttpResponse<String> response = lookUp(Traffic.uniqueNumber("0123"));
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                // The gateway's lookup timeout (5 s) bounds the wait, whatever Twilio does.
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(7));
            }
        }
        finally {
            stack.twilio().latency(Duration.ofMillis(50));
        }
        awaitAnswers(Duration.ofSeconds(45));
    }

    @Test
    void rateLimitedForEverythingFor5SecondsBacksOffAndRecovers() {
        double rate = metric("spamcheck_twilio_rate");
        // A count since the stack started: other tests of this class may have opened the circuit before.
        double refusedByCircuit = metric("spamcheck_twilio_calls_total{outcome=\"circuit_open\"");
        stack.twilio().rateLimitEverything(true);
        Set<Integer> statuses = new HashSet<>();
        double lowestRate = rate;
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            while (System.nanoTime() < until) {
                HttpResponse<String> response = lookUp(Traffic.uniqueNumber("0123"));
                statuses.add(response.statusCode());
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
                lowestRate = Math.min(lowestRate, metric("spamcheck_twilio_rate"));
            }
        }
        finally {
            stack.twilio().rateLimitEverything(false);
        }

        assertThat(statuses).containsOnly(503);
        assertThat(lowestRate).as("spamcheck_twilio_rate backed off from %s", rate).isLessThan(rate);
        assertThat(metric("spamcheck_twilio_retries_total")).isPositive();
        // "Slower" is not "down": no number is refused for the breaker's open time afterwards.
        assertThat(metric("spamcheck_twilio_circuit_open")).isZero();
        assertThat(metric("spamcheck_twilio_calls_total{outcome=\"circuit_open\"")).isEqualTo(refusedByCircuit);
        // New numbers answer within 10 s of the storm's end (issue 21), at whatever rate it left.
        awaitAnswers(Duration.ofSeconds(10));
    }

    @Test
    void oneTokensBurstOfStallingNumbersOpensItsOwnCircuitOnly() throws Exception {
        // Not through Traffic, which remembers request ids for the shared stack's audit checks.
        String bursting = OwnStack.newLookupToken(stack, "stalling client");
        ExecutorService callers = Executors.newFixedThreadPool(30);
        List<CompletableFuture<HttpResponse<String>>> stalls = new ArrayList<>();
        List<Integer> quietStatuses = new ArrayList<>();
        try {
            // 30 numbers whose Twilio answer never comes in time (the stub's ...7777), all at once.
            for (int i = 0; i < 30; i++) {
                String number = Traffic.uniqueNumber("7777");
                stalls.add(CompletableFuture.supplyAsync(() -> OwnStack.lookUp(stack, bursting, number), callers));
            }
            // Meanwhile another token's new numbers are looked up as usual...
            while (!stalls.stream().allMatch(CompletableFuture::isDone)) {
                quietStatuses.add(lookUp(Traffic.uniqueNumber("0123")).statusCode());
            }
            assertThat(stalls).allSatisfy(stall -> assertThat(stall.join().statusCode()).isEqualTo(503));
            // ...and while the stalls' timeouts keep the stalling token's circuit open, for the
            // stalling token only (this took every token's lookups down for 30 s).
            assertThat(metric("spamcheck_twilio_circuit_open")).as("the stalling token's circuit").isEqualTo(1);
            HttpResponse<String> refused = OwnStack.lookUp(stack, bursting, Traffic.uniqueNumber("0123"));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 5);
            for (int i = 0; i < 5; i++) {
                quietStatuses.add(lookUp(Traffic.uniqueNumber("0123")).statusCode());
            }
        }
        finally {
            callers.shutdownNow();
        }
        assertThat(quietStatuses).hasSizeGreaterThan(10).containsOnly(200);

        // Its open time over, the stalling token's trial calls close its circuit again.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() ->
                OwnStack.lookUp(stack, bursting, Traffic.uniqueNumber("0123")).statusCode() == 200
                        && metric("spamcheck_twilio_circuit_open") == 0);
    }

    private static void awaitAnswers(Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> response = lookUp(Traffic.uniqueNumber("0042"));
            assertThat(response.statusCode()).as(response.body()).isIn(200, 503);
            assertThat(response.body()).contains("\"spam_score\":1");
        });
    }

    /**
     * Plants the number's last score, 1, checked {@code days} ago: no longer fresh, but younger than
     * {@code stale-if-error}; no gateway has seen it. Returns its check time as answers give it.
     */
    private static String lastScoredDaysAgo(String number, int days) throws Exception {
        ProtectedNumber planted = NumberProtection.fromSecrets(stack.hashKey(), stack.encryptionKeys()).protect(number);
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                PreparedStatement insert = db.prepareStatement("""
                        INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score,
                                                      checked_at)
                        VALUES (?, ?, ?, 'scored', 1, date_trunc('second', now()) - make_interval(days => ?))
                        RETURNING checked_at""")) {
            insert.setString(1, planted.hash());
            insert.setString(2, planted.ciphertext());
            insert.setString(3, planted.last4());
            insert.setInt(4, days);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return row.getObject(1, OffsetDateTime.class).toInstant().toString();
            }
        }
    }

    private static String requestId(HttpResponse<String> response) {
        return response.headers().firstValue("X-Request-Id").orElseThrow();
    }

    private static HttpResponse<String> lookUp(String number) {
        return OwnStack.lookUp(stack, number);
    }

    private static double metric(String series) {
        ConfigurableApplicationContext worker = stack.workers().get(0);
        return Prometheus.value(worker, series);
    }
}
