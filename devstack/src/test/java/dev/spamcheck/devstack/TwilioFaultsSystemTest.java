package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.Traffic;

/**
 * Twilio failing beyond the stub's magic numbers, for every number at once: unreachable until
 * the circuit opens, 5 s slow, or rate-limiting everything for 5 s. Callers get only documented
 * answers, the breaker and the rate back-off show in the worker's metrics, and lookups answer
 * again once Twilio does. On a devstack of its own with the product's breaker settings, but an
 * open time of 5 s instead of 30 (the shared stack keeps its circuit closed for the other tests).
 */
class TwilioFaultsSystemTest {

    @TempDir
    static Path home;
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = DevStack.start(new DevStack.Options(home, 0, 0, Duration.ofMillis(50),
                Map.of("spamcheck.twilio.circuit.open-for", "PT5S"), null, null));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void twilioUnreachableOpensTheCircuitAndLookupsComeBack() {
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
        }
        finally {
            stack.twilio().acceptConnections();
        }

        assertThat(statuses).containsOnly(503);
        assertThat(circuitOpened).as("spamcheck_twilio_circuit_open was 1").isTrue();
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
        awaitAnswers(Duration.ofSeconds(45));
    }

    private static void awaitAnswers(Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> response = lookUp(Traffic.uniqueNumber("0042"));
            assertThat(response.statusCode()).as(response.body()).isIn(200, 503);
            assertThat(response.body()).contains("\"spam_score\":1");
        });
    }

    private static HttpResponse<String> lookUp(String number) {
        return OwnStack.lookUp(stack, number);
    }

    private static double metric(String series) {
        ConfigurableApplicationContext worker = stack.workers().get(0);
        return Prometheus.value(worker, series);
    }
}
