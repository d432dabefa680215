package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.lookUp;
import static dev.spamcheck.devstack.TestStack.uniqueNumber;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.MessageSchemas;
import dev.spamcheck.schemas.topic.Topics;

/**
 * What rests in PostgreSQL and on Kafka after real traffic: no number in plaintext, and every
 * message as its schema says.
 */
class DataAtRestSystemTest {

    private static final List<String> TABLES = List.of("phone_reputation", "lookup_results", "lookup_history",
            "audit_log", "api_tokens", "job_runs", "webhook_subscriptions", "webhook_deliveries",
            "webhook_delivery_attempts", "campaign_health");

    @BeforeAll
    static void makeTraffic() {
        for (String lastFour : List.of("0123", "0042", "4040", "6100")) {
            lookUp(uniqueNumber(lastFour));
        }
    }

    @Test
    void theDatabaseHoldsNoPlaintextNumber() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection db = TestStack.database(); Statement statement = db.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet result = statement.executeQuery("SELECT t::text FROM " + table + " t")) {
                    while (result.next()) {
                        rows.add(table + ": " + result.getString(1));
                    }
                }
            }
        }
        assertThat(rows).as("rows were written").isNotEmpty();
        assertNoNumberIn(rows);
    }

    @Test
    void theTopicsHoldNoPlaintextNumberAndEveryMessageMatchesItsSchema() throws Exception {
        List<String> messages = new ArrayList<>();
        for (String topic : TopicContents.topics()) {
            // The prewarm topic is the one plaintext ingress: campaign tools write numbers to it,
            // and it keeps them less than a day (docs/architecture.md, "Topics"; checked below).
            if (!topic.startsWith("spamcheck.") || topic.equals(Topics.LOOKUP_PREWARM.name())) {
                continue;
            }
            for (ConsumerRecord<String, String> record : TopicContents.read(topic)) {
                messages.add(topic + ": " + record.key() + " " + record.value());
                // Tombstones (a purged number, on the results topic) have no message to check.
                if (MessageSchemas.hasSchema(topic) && record.value() != null
                        && !AuditDeadLetterSystemTest.PLANTED.equals(record.key())) {
                    assertThat(MessageSchemas.violations(topic, record.value()))
                            .as("schema violations of a message on %s", topic).isEmpty();
                }
            }
        }
        assertThat(messages).as("messages were produced")
                .anyMatch(m -> m.startsWith(Topics.LOOKUP_REQUESTS.name()))
                .anyMatch(m -> m.startsWith(Topics.LOOKUP_RESULTS.name()));
        assertNoNumberIn(messages);
    }

    /** As the broker has it: a paid answer outlives a day-behind reader, a purged one goes within two days. */
    @Test
    void theBrokerKeepsEveryAnswerADayAndCompactsWithinTheNext() throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrapServers());
        ConfigResource results = new ConfigResource(ConfigResource.Type.TOPIC, Topics.LOOKUP_RESULTS.name());
        try (Admin admin = Admin.create(config)) {
            org.apache.kafka.clients.admin.Config actual = admin.describeConfigs(List.of(results)).all()
                    .get(30, TimeUnit.SECONDS).get(results);
            assertThat(actual.get(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG).value())
                    .isEqualTo(String.valueOf(Duration.ofDays(1).toMillis()));
            assertThat(actual.get(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG).value())
                    .isEqualTo(String.valueOf(Duration.ofDays(1).toMillis()));
        }
    }

    @Test
    void theBrokerDropsAPlaintextNumberWithinTwentyThreeHours() throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrapServers());
        List<ConfigResource> prewarm = List.of(
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.LOOKUP_PREWARM.name()),
                new ConfigResource(ConfigResource.Type.TOPIC, Topics.LOOKUP_PREWARM.deadLetterTopic()));
        try (Admin admin = Admin.create(config)) {
            Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs = admin.describeConfigs(prewarm).all()
                    .get(30, TimeUnit.SECONDS);
            for (ConfigResource topic : prewarm) {
                long retention = Long.parseLong(configs.get(topic).get(TopicConfig.RETENTION_MS_CONFIG).value());
                long segment = Long.parseLong(configs.get(topic).get(TopicConfig.SEGMENT_MS_CONFIG).value());
                // Kafka deletes a segment once its newest record is past the retention, and checks
                // every log.retention.check.interval.ms (5 minutes by default).
                assertThat(Duration.ofMillis(retention + segment).plusMinutes(5)).as(topic.name())
                        .isLessThanOrEqualTo(Duration.ofHours(23));
            }
        }
    }

    @Test
    void theLogsHoldNoPlaintextNumber() throws Exception {
        String log = java.nio.file.Files.readString(java.nio.file.Path.of("target", "devstack-tests.log"));
        assertNoNumberIn(List.of(log));
    }

    /** Neither the E.164 form nor the ten national digits of any number used by the tests. */
    private static void assertNoNumberIn(List<String> texts) {
        Set<String> numbers = TestStack.issuedNumbers();
        assertThat(numbers).isNotEmpty();
        for (String number : numbers) {
            String national = number.substring(2);
            assertThat(texts).noneMatch(text -> text.contains(national));
        }
    }
}
