package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;

/**
 * {@code kill -9} of the Kafka broker (a process of its own here) during steady lookups and a
 * campaign's prewarm, then its restart with the same data. While it is gone every lookup, cached
 * or not, answers 503 with Retry-After within a bounded time: a hit is answered 200 only once its
 * audit event is durable, and nothing can be. Within 10 s of the broker's return everything
 * answers 200 again with no service restarted, every 200 has its audit row, and every prewarm
 * entry Kafka acknowledged is looked up, exactly once. A paid answer whose worker died with its
 * result unsent while the broker was away still reaches the notifier as a change.
 */
class KafkaCrashSystemTest {

    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    private static final Duration STUB_LATENCY = Duration.ofMillis(50);
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = OwnStack.start("kafka-crash-test", STUB_LATENCY, true);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void lookupsAnswer503WhileTheBrokerIsDeadAndEverythingRecoversAfterItsRestart() throws Exception {
        String cached = Traffic.uniqueNumber("0123");
        assertThat(lookUp(cached).statusCode()).isEqualTo(200);
        List<Exchange> exchanges = new CopyOnWriteArrayList<>();
        Set<String> acknowledgedPrewarm = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService load = Executors.newScheduledThreadPool(64);
        long killed;
        long restarting;
        long restarted;
        try (KafkaProducer<String, String> campaignTool = campaignTool()) {
            // Open model: a hit, a miss and a prewarm entry every 200 ms, whatever the answers take.
            load.scheduleAtFixedRate(() -> exchanges.add(Exchange.of(cached)), 0, 200, TimeUnit.MILLISECONDS);
            load.scheduleAtFixedRate(() -> exchanges.add(Exchange.of(Traffic.uniqueNumber("0123"))), 100, 200,
                    TimeUnit.MILLISECONDS);
            load.scheduleAtFixedRate(() -> prewarm(campaignTool, acknowledgedPrewarm), 0, 200, TimeUnit.MILLISECONDS);

            Thread.sleep(2000);
            stack.kafkaProcess().kill();
            killed = System.nanoTime();
            Thread.sleep(OUTAGE.toMillis());
            restarting = System.nanoTime();
            stack.kafkaProcess().restart();
            restarted = System.nanoTime();
            // Then 3 s of answers that must all be 200: about 30 requests.
            Thread.sleep(RECOVERY.plusSeconds(3).toMillis());
        }
        finally {
            load.shutdown();
            assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(exchanges).allSatisfy(exchange -> {
            assertThat(exchange.response()).as("an answer").isNotNull();
            assertThat(exchange.response().statusCode()).as(exchange.response().body()).isIn(200, 503);
            OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", exchange.response());
            // Never held longer than the gateway's own timeouts, broker or not.
            assertThat(exchange.took()).isLessThan(Duration.ofSeconds(10));
        });
        List<Exchange> duringOutage = exchanges.stream()
                .filter(e -> e.sentAt() > killed + Duration.ofSeconds(1).toNanos()
                        // Answered before the broker's new process began to start (when restart()
                        // sees it ready may be seconds after it serves, on a busy machine).
                        && e.sentAt() + e.took().toNanos() < restarting)
                .toList();
        assertThat(duringOutage).isNotEmpty().allSatisfy(exchange -> {
            assertThat(exchange.response().statusCode()).isEqualTo(503);
            assertThat(exchange.response().headers().firstValue("Retry-After")).isPresent();
        });
        List<Exchange> afterRecovery = exchanges.stream().filter(e -> e.sentAt() > restarted + RECOVERY.toNanos())
                .toList();
        assertThat(afterRecovery).hasSizeGreaterThan(20)
                .allSatisfy(exchange -> assertThat(exchange.response().statusCode()).isEqualTo(200));

        Set<String> answered = new HashSet<>();
        exchanges.stream().filter(e -> e.response().statusCode() == 200)
                .forEach(e -> answered.add(e.response().headers().firstValue("X-Request-Id").orElseThrow()));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(OwnStack.auditOutcomes(stack, answered).keySet()).containsExactlyInAnyOrderElementsOf(answered));

        assertThat(acknowledgedPrewarm).hasSizeGreaterThan(20);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(acknowledgedPrewarm).allSatisfy(number ->
                        assertThat(stack.twilio().callsFor(number)).as("Twilio calls for a prewarmed number")
                                .isEqualTo(1)));
    }

    @Test
    void aPaidAnswerWhoseResultNeverReachedKafkaBeforeItsWorkerDiedStillBecomesAChange() throws Exception {
        ServiceProcess doomed = stack.startWorkerProcess(Map.of());
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            KeyOrderedConsumer survivor = stack.workers().get(0).getBean(KeyOrderedConsumer.class);
            await().atMost(Duration.ofSeconds(60)).until(() -> !survivor.assignedPartitions().isEmpty()
                    && survivor.assignedPartitions().size() < Workers.LOOKUP_REQUEST_PARTITIONS);
            NumberProtection protection = NumberProtection.fromSecrets(stack.hashKey(), stack.encryptionKeys());
            String number = Workers.newNumber(survivor, false, protection, "0042");
            String hash = protection.hash(number);

            // The broker dies while Twilio is being asked: the doomed worker stores the flagged
            // answer, cannot publish its result, and is killed before the broker is back.
            stack.twilio().latency(Duration.ofSeconds(2));
            Future<HttpResponse<String>> asked = caller.submit(() -> lookUp(number));
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.twilio().callsFor(number) == 1);
            stack.kafkaProcess().kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> stored(hash));
            doomed.kill();
            stack.kafkaProcess().restart();

            // Its request, never committed, goes to the survivor, which finds the answer that request
            // paid for and publishes it as paid (the notifier takes no answer from the cache as a change).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> TopicContents
                    .read(stack.kafkaBootstrapServers(), Topics.REPUTATION_CHANGES.name()).stream()
                    .anyMatch(change -> hash.equals(change.key())));
            assertThat(stack.twilio().callsFor(number)).as("paid once").isEqualTo(1);
            // Published by the survivor under the caller's request, as paid: the killed worker's
            // producer never had it acknowledged (the broker was down until after the kill).
            String requestId = asked.get(30, TimeUnit.SECONDS).headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(TopicContents.read(stack.kafkaBootstrapServers(), Topics.LOOKUP_RESULTS.name()))
                    .filteredOn(result -> hash.equals(result.key()))
                    .extracting(result -> MessageCodec.mapper().readValue(result.value(), LookupResult.class))
                    .anySatisfy(result -> {
                        assertThat(result.requestId()).isEqualTo(requestId);
                        assertThat(result.fromCache()).isFalse();
                    });
        }
        finally {
            stack.twilio().latency(STUB_LATENCY);
            caller.shutdownNow();
            doomed.close();
        }
    }

    private static boolean stored(String hash) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                PreparedStatement query = db.prepareStatement(
                        "SELECT 1 FROM phone_reputation WHERE number_hash = ?")) {
            query.setString(1, hash);
            try (ResultSet row = query.executeQuery()) {
                return row.next();
            }
        }
    }

    private static void prewarm(KafkaProducer<String, String> campaignTool, Set<String> acknowledged) {
        String number = Traffic.uniqueNumber("0123");
        try {
            campaignTool.send(new ProducerRecord<>(Topics.LOOKUP_PREWARM.name(), Traffic.prewarmEntry(number, "kafka-crash")),
                    (metadata, failure) -> {
                        if (failure == null) {
                            acknowledged.add(number);
                        }
                    });
        }
        catch (RuntimeException notTaken) {
            // The campaign tool's own send failed at once: not accepted, so not owed a lookup.
        }
    }

    /** A campaign tool as docs/architecture.md tells them to write one: acks=all, idempotent. */
    private static KafkaProducer<String, String> campaignTool() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static HttpResponse<String> lookUp(String number) {
        return OwnStack.lookUp(stack, number);
    }

    /** One lookup; {@code response} is null when the connection ended without an answer. */
    private record Exchange(long sentAt, HttpResponse<String> response, Duration took) {

        static Exchange of(String number) {
            long sent = System.nanoTime();
            HttpResponse<String> response;
            try {
                response = lookUp(number);
            }
            catch (UncheckedIOException noAnswer) {
                response = null;
            }
            return new Exchange(sent, response, Duration.ofNanos(System.nanoTime() - sent));
        }
    }
}
