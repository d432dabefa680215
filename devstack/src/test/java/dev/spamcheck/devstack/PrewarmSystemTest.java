package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Bulk prewarm from the plaintext ingress topic, and the worker's metrics. */
class PrewarmSystemTest {

    @Test
    void validEntriesWarmTheCacheAndInvalidOnesAreCountedAndSkipped() throws Exception {
        String first = TestStack.uniqueNumber("0042");
        String second = TestStack.uniqueNumber("0123");
        String longCampaign = TestStack.uniqueNumber("0124");
        String controlCampaign = TestStack.uniqueNumber("0125");
        double invalidBefore = metric("spamcheck_prewarm_invalid_total");
        double deadLettersBefore = metric("spamcheck_kafka_dead_letters_total{topic=\"" + Topics.LOOKUP_PREWARM.name()
                + "\"}");

        Traffic.prewarm(TestStack.get(), List.of("not json at all", "{\"phone_number\": \"12125559876\"}",
                "{\"phone_number\": 5}", Traffic.prewarmEntry(first, "spring"), "{\"campaign_id\": \"x\"}",
                Traffic.prewarmEntry(second, "spring"), Traffic.prewarmEntry(longCampaign, "c".repeat(65)),
                Traffic.prewarmEntry(controlCampaign, "spring\\u0000")));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> cached(first) && cached(second));
        // Readable entries without a valid number or campaign id (as an API request would have
        // them) are counted and skipped; the one that is not JSON at all goes to the topic's
        // dead-letter topic like any unreadable record.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> metric("spamcheck_prewarm_invalid_total") >= invalidBefore + 5
                        && metric("spamcheck_kafka_dead_letters_total{topic=\"" + Topics.LOOKUP_PREWARM.name() + "\"}")
                                >= deadLettersBefore + 1);
        assertThat(Files.readString(Path.of("target", "devstack-tests.log")))
                .contains("Skipping prewarm entry ***9876").doesNotContain("2125559876");
        assertThat(cached(longCampaign) || cached(controlCampaign)).isFalse();

        // The warmed numbers now answer from the cache: no further Twilio call.
        assertThat(TestStack.json(TestStack.lookUp(first)).get("spam_score").asInt()).isEqualTo(1);
        assertThat(TestStack.get().twilio().callsFor(first)).isEqualTo(1);
    }

    @Test
    void anEntryTwilioCannotBeAskedAboutWaitsAndIsWarmedOnceItCan() throws Exception {
        String number = TestStack.uniqueNumber("0042");
        double unreachableBefore = unreachableCalls();
        TestStack.get().twilio().refuseConnections();
        try {
            Traffic.prewarm(TestStack.get(), List.of(Traffic.prewarmEntry(number, "outage")));
            // A lookup makes four attempts (three retries) before it gives up: a fifth is the entry
            // asked about again, not dropped as a failure.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> unreachableCalls() >= unreachableBefore + 5);
        }
        finally {
            TestStack.get().twilio().acceptConnections();
        }

        // Not given up on as a failure: the batch is tried again once Twilio answers.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> cached(number));
    }

    private static double unreachableCalls() {
        return TestStack.get().workers().stream().mapToDouble(worker -> worker.getBean(MeterRegistry.class)
                .find("spamcheck.twilio.calls").tag("outcome", "twilio_unreachable").counters().stream()
                .mapToDouble(Counter::count).sum()).sum();
    }

    @Test
    void theWorkerExposesItsMetrics() {
        TestStack.lookUp(TestStack.uniqueNumber("0123"));
        TestStack.lookUp(TestStack.uniqueNumber("5000"));

        String metrics = scrape();

        assertThat(metrics).contains("spamcheck_twilio_calls_total{outcome=\"scored\"")
                .contains("spamcheck_twilio_calls_total{outcome=\"twilio_http_500\"")
                .contains("spamcheck_twilio_retries_total")
                .contains("spamcheck_twilio_latency_seconds_count")
                .contains("spamcheck_twilio_rate_limiter_wait_seconds_count{origin=\"interactive\"")
                .contains("spamcheck_lookup_cache_total{result=\"miss\"")
                .contains("spamcheck_lookup_queued_seconds_count")
                .contains("spamcheck_lookup_handled_seconds_count")
                .contains("spamcheck_prewarm_backlog")
                .contains("spamcheck_twilio_circuit_open");
    }

    private static boolean cached(String number) throws Exception {
        try (Connection db = TestStack.database();
                PreparedStatement query = db.prepareStatement("SELECT 1 FROM phone_reputation WHERE number_hash = ?")) {
            query.setString(1, TestStack.protection().hash(number));
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static String scrape() {
        return TestStack.send(HttpRequest.newBuilder(URI.create(TestStack.get().workerManagementUrl()
                + "/actuator/prometheus")).GET()).body();
    }

    private static double metric(String name) {
        String series = name.endsWith("}") ? name.substring(0, name.length() - 1) : name;
        return scrape().lines().filter(line -> line.startsWith(series + " ") || line.startsWith(series + "{")
                        || name.endsWith("}") && line.startsWith(series))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
