package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Each gateway answers cache hits from its in-memory view of fresh answers. Before it is ready, a
 * new or restarted gateway reads into its view what the results topic holds of the last TTL, so it
 * answers from memory from its first request, also while it is restarted under load, and a number
 * purged meanwhile stays out. A view that holds every fresh answer sends a number it lacks straight
 * to a lookup, and the worker still answers a stored answer without paying; a view too small for
 * the answers falls back to PostgreSQL. Expiry, purges, key rotation and revocation with the view
 * are covered where they were before (SpamScoreSystemTest, DataLifecycleSystemTest,
 * KeyRotationSystemTest, AuthSystemTest).
 */
class AnswerViewSystemTest {

    private static final int NUMBERS = 12;
    /** Callers asking at once, each going round the numbers from its own starting point. */
    private static final int CALLERS = 4;
    /** Long enough that the shared stack's 5 s TTL cannot expire an answer while gateways restart. */
    private static final Map<String, String> LONG_TTL = Map.of("spamcheck.cache-ttl", "PT10M");

    @Test
    void aRestartedGatewayAnswersHitsFromMemoryFromItsFirstRequest() throws Exception {
        DevStack stack = TestStack.get();
        Map<String, String> scores = new LinkedHashMap<>();
        for (int i = 0; i < NUMBERS; i++) {
            String number = TestStack.uniqueNumber(i % 2 == 0 ? "0123" : "8950");
            HttpResponse<String> first = TestStack.lookUp(number);
            assertThat(first.statusCode()).isEqualTo(200);
            scores.put(number, TestStack.json(first).get("spam_score").asString());
        }
        int port = freePort();
        ConfigurableApplicationContext gateway = stack.startGateway(port, 0, LONG_TTL);
        String url = "http://127.0.0.1:" + port;

        List<String> wrong = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        // When the restart began and ended (System.nanoTime(); 0: not yet).
        AtomicLong restartBegan = new AtomicLong();
        AtomicLong restartEnded = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            Thread thread = new Thread(() -> {
                List<String> numbers = new ArrayList<>(scores.keySet());
                for (int i = caller; !stop.get(); i++) {
                    String number = numbers.get(i % numbers.size());
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> response = lookUp(url, number);
                        statuses.add(response.statusCode());
                        if (response.statusCode() == 200
                                && !TestStack.json(response).get("spam_score").asString().equals(scores.get(number))) {
                            wrong.add(response.body());
                        }
                    }
                    catch (RuntimeException ex) {
                        // A request in flight while the gateway restarts may fail (nothing listens on the
                        // port, or the closing gateway drops the connection); at any other time it is a failure.
                        long ended = restartEnded.get();
                        if (restartBegan.get() == 0 || ended != 0 && sent - ended > 0) {
                            failures.add(ex);
                        }
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
            callers.add(thread);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> statuses.size() >= 200);
        assertAnsweredFromMemory(gateway);

        restartBegan.set(System.nanoTime());
        gateway.close();
        int beforeRestart = statuses.size();
        ConfigurableApplicationContext restarted = stack.startGateway(port, 0, LONG_TTL);
        restartEnded.set(System.nanoTime());
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses.size() >= beforeRestart + 200);
        stop.set(true);
        for (Thread caller : callers) {
            caller.join();
        }
        try {
            assertAnsweredFromMemory(restarted);
            assertThat(wrong).isEmpty();
            assertThat(failures).isEmpty();
            // Graceful shutdown answers or refuses; it never fails a request it has taken.
            assertThat(statuses).allMatch(status -> status == 200 || status == 503);
            for (String number : scores.keySet()) {
                assertThat(stack.twilio().callsFor(number)).isEqualTo(1);
            }
        }
        finally {
            restarted.close();
        }
    }

    @Test
    void aGatewayWhoseViewHoldsEveryFreshAnswerLooksUpWhatItLacksWithoutReadingPostgresql() throws Exception {
        DevStack stack = TestStack.get();
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        ConfigurableApplicationContext gateway = stack.startGateway(port, 0);
        try {
            // Warmed from the topic before it was ready: whole from the start.
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answer_view_whole")).isEqualTo(1);
            // Stored as a worker stores an answer, but never published: no view has it. The stub
            // would flag this number; the stored answer says 0.
            String number = TestStack.uniqueNumber("0042");
            ProtectedNumber planted = TestStack.protection().protect(number);
            try (Connection db = TestStack.database(); PreparedStatement insert = db.prepareStatement("""
                    INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at)
                    VALUES (?, ?, ?, 'scored', 0, now())""")) {
                insert.setString(1, planted.hash());
                insert.setString(2, planted.ciphertext());
                insert.setString(3, planted.last4());
                insert.execute();
            }

            long started = System.nanoTime();
            HttpResponse<String> first = lookUp(url, number);
            Duration firstTook = Duration.ofNanos(System.nanoTime() - started);
            HttpResponse<String> second = lookUp(url, number);

            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            // By the worker's result, not read from PostgreSQL once the wait for it ran out.
            assertThat(firstTook).isLessThan(Duration.ofSeconds(4));
            assertThat(TestStack.json(first).get("spam_score").asInt()).isZero();
            assertThat(TestStack.json(second).get("spam_score").asInt()).isZero();
            // The worker found the stored answer before paying; its result on the topic fed the view.
            assertThat(stack.twilio().callsFor(number)).isZero();
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"database\"")).isZero();
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"lookup\"")).isEqualTo(1);
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"view\"")).isEqualTo(1);
        }
        finally {
            gateway.close();
        }
    }

    @Test
    void aNumberPurgedBeforeAGatewayStartsIsNotInItsView() throws Exception {
        DevStack stack = TestStack.get();
        String kept = TestStack.uniqueNumber("0123");
        String purged = TestStack.uniqueNumber("0123");
        assertThat(TestStack.lookUp(kept).statusCode()).isEqualTo(200);
        assertThat(TestStack.lookUp(purged).statusCode()).isEqualTo(200);
        // A purge as the nightly job makes it: the cached answer gone, then the number's tombstone.
        String purgedHash = TestStack.protection().hash(purged);
        try (Connection db = TestStack.database();
                PreparedStatement delete = db.prepareStatement("DELETE FROM phone_reputation WHERE number_hash = ?")) {
            delete.setString(1, purgedHash);
            delete.execute();
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.LOOKUP_RESULTS.name(), purgedHash, null)).get();
        }
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        ConfigurableApplicationContext gateway = stack.startGateway(port, 0, LONG_TTL);
        try {
            HttpResponse<String> keptAgain = lookUp(url, kept);
            HttpResponse<String> purgedAgain = lookUp(url, purged);

            assertThat(keptAgain.statusCode()).isEqualTo(200);
            assertThat(purgedAgain.statusCode()).as(purgedAgain.body()).isEqualTo(200);
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"view\"")).isEqualTo(1);
            assertThat(stack.twilio().callsFor(kept)).isEqualTo(1);
            // Read before its tombstone, which removed it again: looked up anew.
            assertThat(stack.twilio().callsFor(purged)).isEqualTo(2);
        }
        finally {
            gateway.close();
        }
    }

    @Test
    void aViewTooSmallForTheAnswersFallsBackToPostgresql() throws Exception {
        DevStack stack = TestStack.get();
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < NUMBERS; i++) {
            numbers.add(TestStack.uniqueNumber("0123"));
            assertThat(TestStack.lookUp(numbers.get(i)).statusCode()).isEqualTo(200);
        }
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        Map<String, String> small = new LinkedHashMap<>(LONG_TTL);
        small.put("spamcheck.answer-view.maximum-size", "2");
        ConfigurableApplicationContext gateway = stack.startGateway(port, 0, small);
        try {
            for (String number : numbers) {
                assertThat(lookUp(url, number).statusCode())
                        .isEqualTo(200);
            }
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answer_view_whole")).isZero();
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"database\""))
                    .isGreaterThan(0);
            assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"lookup\"")).isZero();
            for (String number : numbers) {
                assertThat(stack.twilio().callsFor(number)).isEqualTo(1);
            }
        }
        finally {
            gateway.close();
        }
    }

    /** Warmed from the topic before it was ready: no answer read from PostgreSQL, none looked up. */
    private static void assertAnsweredFromMemory(ConfigurableApplicationContext gateway) {
        assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"database\"")).isZero();
        assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"lookup\"")).isZero();
        assertThat(Prometheus.value(gateway, "spamcheck_gateway_answers_total{source=\"view\"")).isGreaterThan(100);
    }

    private static HttpResponse<String> lookUp(String gatewayUrl, String number) {
        return TestStack.postSpamScore(gatewayUrl, "{\"phone_number\": \"" + number + "\"}");
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
