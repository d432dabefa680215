package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Exactly once through the real broker: a notifier running the reputation-changes stream
 * processor is killed with {@code kill -9} while numbers keep turning, and another takes its work
 * over. Every change reaches the topic once, none is lost, and each number's changes stay in
 * order. A webhook subscriber hears of every one of them, though the killed notifier was sending
 * some. On a devstack of its own, so the results it plants reach no other test.
 */
class ReputationChangesCrashSystemTest {

    private static final int NUMBERS = 20;
    private static final int ANSWERS_EACH = 10;
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        // Short webhook timeouts, so the killed notifier's leased deliveries come due again soon;
        // the broker's shortest session and a short transaction timeout, so its share of the
        // Streams tasks and of the webhook fan-out moves, and its open transaction is aborted,
        // within seconds.
        stack = DevStack.start(new DevStack.Options(TestStack.freshHome("reputation-crash-test"), 0, 0,
                Duration.ofMillis(50), Map.ofEntries(Map.entry("spamcheck.webhooks.connect-timeout", "PT1S"),
                        Map.entry("spamcheck.webhooks.timeout", "PT2S"),
                        Map.entry("spamcheck.webhooks.retry-initial-interval", "PT0.5S"),
                        Map.entry("spamcheck.webhooks.retry-max-interval", "PT2S"),
                        Map.entry("spamcheck.webhooks.poll-interval", "PT0.2S"),
                        Map.entry("spamcheck.nightly.cron", TestStack.NIGHTLY_CRON),
                        Map.entry("spring.kafka.streams.properties.session.timeout.ms", "6000"),
                        Map.entry("spring.kafka.streams.properties.heartbeat.interval.ms", "1500"),
                        Map.entry("spring.kafka.streams.properties.producer.transaction.timeout.ms", "5000"),
                        Map.entry("spring.kafka.consumer.properties.session.timeout.ms", "6000"),
                        Map.entry("spring.kafka.consumer.properties.heartbeat.interval.ms", "1500")),
                null, null));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void aKilledStreamProcessorNeitherRepeatsNorLosesAChange() throws Exception {
        WebhookReceiver receiver = WebhookReceiver.start();
        String secret = subscribe(receiver.url("/all"));
        ServiceProcess doomed = stack.startNotifierProcess(Map.of());
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < NUMBERS; i++) {
            hashes.add(randomHash());
        }
        Instant start = Instant.now().minusSeconds(3600);
        try (KafkaProducer<String, String> worker = producer()) {
            // Each number flips at every answer: flagged, clean, flagged, ... so each answer is a change.
            for (int answer = 0; answer < ANSWERS_EACH; answer++) {
                for (String hash : hashes) {
                    LookupResult result = new LookupResult(UUID.randomUUID().toString(), hash, "v1.k1.abc", "0123",
                            LookupResult.Outcome.SCORED, answer % 2 == 0 ? 1 : 0, start.plusSeconds(answer),
                            null, false, LookupRequest.Origin.RECHECK, null);
                    worker.send(new ProducerRecord<>(Topics.LOOKUP_RESULTS.name(), hash, MessageCodec.encode(result))).get();
                }
                if (answer == ANSWERS_EACH / 2) {
                    // Mid-stream: the processes have found some changes and are at work on more.
                    await().atMost(Duration.ofSeconds(60)).until(() -> changesOf(hashes).size() >= NUMBERS);
                    doomed.kill();
                }
            }
        }
        finally {
            doomed.close();
        }

        int expected = NUMBERS * ANSWERS_EACH;
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> changesOf(hashes).size() >= expected);
        // A duplicate would come in a later transaction: the notifier commits once a second.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(500))
                .until(() -> changesOf(hashes).size() == expected);
        List<ReputationChange> changes = changesOf(hashes);
        assertThat(changes).hasSize(expected);
        Set<String> ids = new HashSet<>();
        changes.forEach(change -> ids.add(change.id()));
        assertThat(ids).hasSize(expected);
        for (String hash : hashes) {
            List<ReputationChange> ofNumber = changes.stream().filter(c -> c.numberHash().equals(hash)).toList();
            assertThat(ofNumber).extracting(ReputationChange::checkedAt)
                    .isSortedAccordingTo(Instant::compareTo).hasSize(ANSWERS_EACH);
            assertThat(ofNumber.get(0).previousScore()).isNull();
            assertThat(ofNumber).allSatisfy(c -> assertThat(c.source()).isEqualTo(ReputationChange.Source.NIGHTLY));
        }

        // At least once: every change reaches the subscriber, signed, whichever notifier sent it.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> receiver.received("/all")
                .stream().map(delivery -> delivery.json().get("id").asString()).distinct().count() == expected);
        assertThat(receiver.received("/all")).allMatch(delivery -> delivery.signedWith(secret));
        assertThat(receiver.received("/all").stream().map(delivery -> delivery.json().get("id").asString()))
                .containsAll(ids);
        receiver.close();
    }

    private static String subscribe(String url) throws Exception {
        java.net.http.HttpResponse<String> created = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.baseUrl() + "/api/v1/admin/webhooks"))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"url\": \"" + url + "\", \"events\": [\"number.flagged\", \"number.cleared\"]}"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return tools.jackson.databind.json.JsonMapper.builder().build().readTree(created.body()).get("secret").asString();
    }

    private static List<ReputationChange> changesOf(List<String> hashes) {
        List<ReputationChange> changes = new ArrayList<>();
        for (ConsumerRecord<String, String> record : TopicContents.read(stack.kafkaBootstrapServers(),
                Topics.REPUTATION_CHANGES.name())) {
            if (hashes.contains(record.key())) {
                changes.add(MessageCodec.mapper().readValue(record.value(), ReputationChange.class));
            }
        }
        return changes;
    }

    private static KafkaProducer<String, String> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static String randomHash() {
        StringBuilder hash = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            hash.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
        }
        return hash.toString();
    }
}
