package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import dev.spamcheck.archiver.ArchiverApplication;
import dev.spamcheck.archiver.keys.RotateKeysCommand;
import dev.spamcheck.archiver.replay.ReplayResultsCommand;
import dev.spamcheck.archiver.replay.ResultsReplay;
import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Retiring an encryption key, as docs/operations.md tells an operator to: put a new key first, restart,
 * rotate, remove the old key, restart. Afterwards nothing the system keeps uses the old key, and
 * every path that reads a ciphertext still works: cached answers, new lookups, the nightly
 * re-check and replay. On a devstack of its own, whose keys can change without disturbing the
 * other tests.
 */
class KeyRotationSystemTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void afterARotationTheOldKeyCanBeRemovedAndEverythingStillAnswers(@TempDir Path home) throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String newKey = "rotated:" + Base64.getEncoder().encodeToString(key);
        try (DevStack stack = DevStack.start(new DevStack.Options(home, 0, 0, Duration.ZERO,
                Map.of("spamcheck.nightly.cron", TestStack.NIGHTLY_CRON), null, null));
                WebhookReceiver receiver = WebhookReceiver.start()) {
            String oldKeys = stack.encryptionKeys();
            String oldId = oldKeys.substring(0, oldKeys.indexOf(':'));
            String clean = Traffic.uniqueNumber("0123");
            String spam = Traffic.uniqueNumber("0042");
            assertThat(score(stack, clean)).isEqualTo(0);
            assertThat(score(stack, spam)).isEqualTo(1);
            assertThat(rowsByKey(stack)).isEqualTo(Map.of(oldId, 2L));
            assertThat(liveResultsByKey(stack)).isEqualTo(Map.of(oldId, 2L));
            String webhookSecret = admin(stack, "POST", "/api/v1/admin/webhooks",
                    "{\"url\": \"" + receiver.url("/rotated") + "\", \"events\": [\"number.flagged\"]}")
                    .get("secret").asString();

            stack.restartServices(Map.of("spamcheck.encryption-keys", newKey + "," + oldKeys));
            try (ConfigurableApplicationContext command = ArchiverApplication.command(stack.archiverCommandLine())) {
                // A one-off command takes over none of the running archivers' work: no listener, no schedule.
                assertThat(command.getBean(KafkaListenerEndpointRegistry.class).getListenerContainers())
                        .isNotEmpty().noneMatch(MessageListenerContainer::isRunning);
                assertThat(command.getBeansOfType(ScheduledTaskHolder.class).values())
                        .flatMap(ScheduledTaskHolder::getScheduledTasks).isEmpty();
            }
            assertThat(RotateKeysCommand.run(stack.archiverCommandLine())).isZero();

            assertThat(rowsByKey(stack)).isEqualTo(Map.of("rotated", 2L));
            assertThat(liveResultsByKey(stack)).isEqualTo(Map.of("rotated", 2L));
            JsonNode keys = admin(stack, "GET", "/api/v1/admin/keys");
            assertThat(keys.get("active_key").asString()).isEqualTo("rotated");
            assertThat(keys.get("cached_numbers_by_key").size()).isEqualTo(1);
            assertThat(keys.get("cached_numbers_by_key").get("rotated").asLong()).isEqualTo(2);
            // The command's own count, stored as it ended: the endpoint does not count the cache.
            assertThat(Instant.parse(keys.get("cached_numbers_counted_at").asString()))
                    .isAfter(Instant.now().minus(Duration.ofMinutes(5)));
            JsonNode byCommand = keys.get("last_rotation");
            assertThat(byCommand.get("status").asString()).isEqualTo("completed");
            assertThat(byCommand.get("counts").get("rows_reencrypted").asLong()).isEqualTo(2);
            assertThat(byCommand.get("counts").get("records_republished").asLong()).isEqualTo(2);
            assertThat(byCommand.get("counts").get("webhook_ciphertexts_reencrypted").asLong()).isEqualTo(1);

            // The same through the admin endpoint, on the running archiver: nothing is left to move.
            String rotationId = admin(stack, "POST", "/api/v1/admin/keys/rotate").get("rotation_id").asString();
            JsonNode byEndpoint = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin(stack, "GET", "/api/v1/admin/keys").get("last_rotation"),
                            last -> last.get("rotation_id").asString().equals(rotationId)
                                    && last.get("status").asString().equals("completed"));
            assertThat(byEndpoint.get("counts").get("rows_reencrypted").asLong()).isZero();
            assertThat(byEndpoint.get("counts").get("records_republished").asLong()).isZero();
            assertThat(Prometheus.value(stack.archivers().get(0), "spamcheck_number_ciphertexts{key=\"rotated\"}"))
                    .isEqualTo(2.0);
            assertThat(Prometheus.value(stack.archivers().get(0), "spamcheck_number_ciphertexts{key=\"" + oldId + "\"}"))
                    .isZero();

            stack.restartServices(Map.of("spamcheck.encryption-keys", newKey));
            long paidCalls = stack.twilio().totalCalls();
            assertThat(score(stack, clean)).isEqualTo(0);
            assertThat(score(stack, spam)).isEqualTo(1);
            assertThat(stack.twilio().totalCalls()).isEqualTo(paidCalls);
            String later = Traffic.uniqueNumber("0123");
            assertThat(score(stack, later)).isEqualTo(0);
            // The webhook's secret was resealed: deliveries are still signed with the one shown.
            String turning = Traffic.uniqueNumber("8950");
            assertThat(score(stack, turning)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received("/rotated").size() == 1);
            assertThat(receiver.received("/rotated").get(0).signedWith(webhookSecret)).isTrue();

            // The nightly re-check decrypts the rotated ciphertext to ask Twilio again.
            execute(stack, "UPDATE phone_reputation SET checked_at = now() - interval '2 days', "
                    + "last_requested_at = now() - interval '1 day'");
            admin(stack, "POST", "/api/v1/admin/jobs/nightly", "{\"job_date\": \"2001-06-01\"}");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> count(stack, "SELECT count(*) FROM phone_reputation WHERE checked_at > now() - interval '1 hour'") == 2);
            assertThat(stack.twilio().callsFor(clean)).isEqualTo(2);
            assertThat(stack.twilio().callsFor(later)).isEqualTo(2);
            assertThat(stack.twilio().callsFor(spam)).isEqualTo(1);

            // Replay rebuilds the cache from the topic, under the new key only, for free.
            execute(stack, "TRUNCATE phone_reputation");
            paidCalls = stack.twilio().totalCalls();
            ReplayResultsCommand.replay(stack.archiverCommandLine());
            assertThat(rowsByKey(stack)).isEqualTo(Map.of("rotated", 4L));
            assertThat(score(stack, clean)).isEqualTo(0);
            assertThat(score(stack, spam)).isEqualTo(1);
            assertThat(stack.twilio().totalCalls()).isEqualTo(paidCalls);
            assertThat(numbers(stack, NumberProtection.fromSecrets(stack.hashKey(), newKey)))
                    .containsExactlyInAnyOrder(clean, spam, later, turning);
        }
    }

    private static int score(DevStack stack, String number) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + stack.lookupToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + number + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("spam_score").asInt();
    }

    private static JsonNode admin(DevStack stack, String method, String path) throws Exception {
        return admin(stack, method, path, "");
    }

    private static JsonNode admin(DevStack stack, String method, String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + path))
                .header("Authorization", "Bearer " + stack.adminToken())
                .header("Content-Type", "application/json")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 202);
        return JSON.readTree(response.body());
    }

    /** The numbers of phone_reputation, decrypted. */
    private static java.util.List<String> numbers(DevStack stack, NumberProtection protection) throws Exception {
        java.util.List<String> numbers = new java.util.ArrayList<>();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT number_hash, number_ciphertext FROM phone_reputation")) {
            while (rows.next()) {
                numbers.add(protection.decrypt(rows.getString(2), rows.getString(1).trim()));
            }
        }
        return numbers;
    }

    /** Rows of phone_reputation per key id. */
    private static Map<String, Long> rowsByKey(DevStack stack) throws Exception {
        Map<String, Long> counts = new java.util.TreeMap<>();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT number_ciphertext FROM phone_reputation")) {
            while (rows.next()) {
                counts.merge(NumberProtection.keyIdOf(rows.getString(1)), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** Live records of the results topic (what compaction keeps, tombstones aside) per key id. */
    private static Map<String, Long> liveResultsByKey(DevStack stack) {
        return TopicContents.latestByKey(TopicContents.read(stack.kafkaBootstrapServers(), Topics.LOOKUP_RESULTS.name()))
                .values().stream().filter(Objects::nonNull)
                .map(value -> NumberProtection.keyIdOf(JSON.readTree(value).get("number_ciphertext").asString()))
                .collect(Collectors.groupingBy(id -> id, java.util.TreeMap::new, Collectors.counting()));
    }

    private static void execute(DevStack stack, String sql) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long count(DevStack stack, String sql) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                Statement statement = db.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
