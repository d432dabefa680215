package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.json.JsonMapper;

/**
 * One audit event PostgreSQL cannot take (here a NUL in its campaign, as an older gateway let
 * through) or nobody can read never costs its neighbours their rows: it goes to the dead-letter
 * topic, counted and logged, and the rest of its batch is stored.
 */
class AuditDeadLetterSystemTest {

    /** The key of the events this test plants on the audit topic, some of them unreadable on purpose. */
    static final String PLANTED = "dead-letter-test";

    @Test
    void aBadEventGoesToTheDeadLetterTopicAndItsNeighboursAreStored() throws Exception {
        String before = event("ok");
        String nul = event("with\\u0000nul");
        String unreadable = "{\"request_id\": ";
        String after = event("ok");
        double deadLettersBefore = deadLetters();

        plant(List.of(before, nul, unreadable, after));

        AuditLog.awaitRow(requestId(before));
        AuditLog.awaitRow(requestId(after));
        assertThat(AuditLog.row(requestId(nul))).isEmpty();
        List<ConsumerRecord<String, String>> dead = await().atMost(Duration.ofSeconds(20))
                .until(() -> TopicContents.read(Topics.AUDIT_EVENTS.deadLetterTopic()), records -> records.size() >= 2);
        // An unreadable record is kept byte for byte; a refused one as it was read.
        assertThat(dead).extracting(ConsumerRecord::value).contains(unreadable)
                .anyMatch(value -> value != null && value.contains(requestId(nul)));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters() >= deadLettersBefore + 2);
        String deadLetterTopic = Topics.AUDIT_EVENTS.deadLetterTopic();
        assertThat(Files.readString(Path.of("target", "devstack-tests.log")))
                .contains("moved to " + deadLetterTopic + ": refused by PostgreSQL")
                .contains("moved to " + deadLetterTopic + ": unreadable")
                // Stored but for the two, without a retry: no outage is reported.
                .doesNotContain("audit events could not be stored: refused by PostgreSQL");
    }

    /**
     * PostgreSQL away while the writer meets an unreadable event: once it is back, the events
     * around that one are stored and only it goes to the dead-letter topic.
     */
    @Test
    void aBadEventMetWhilePostgresqlIsAwayCostsOnlyItselfOnceItIsBack() throws Exception {
        String before = event("away");
        String unreadable = "{\"request_id\": \"" + UUID.randomUUID();
        String after = event("away");
        String last = event("away");
        double failedBefore = failedCopies();
        try (Connection db = TestStack.database(); Statement sql = db.createStatement()) {
            sql.execute("""
                    CREATE FUNCTION test_audit_away() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'audit_log is away for a test'; END $$""");
            sql.execute("""
                    CREATE TRIGGER test_audit_away BEFORE INSERT ON audit_log
                       FOR EACH ROW EXECUTE FUNCTION test_audit_away()""");
            try {
                plant(List.of(before, unreadable, after, last));
                // Failed twice: the retry has read the four together.
                await().atMost(Duration.ofSeconds(30)).until(() -> failedCopies() >= failedBefore + 2);
            }
            finally {
                sql.execute("DROP TRIGGER test_audit_away ON audit_log");
                sql.execute("DROP FUNCTION test_audit_away()");
            }
        }

        AuditLog.awaitRow(requestId(before), Duration.ofSeconds(60));
        AuditLog.awaitRow(requestId(after));
        AuditLog.awaitRow(requestId(last));
        List<ConsumerRecord<String, String>> dead = await().atMost(Duration.ofSeconds(20))
                .until(() -> TopicContents.read(Topics.AUDIT_EVENTS.deadLetterTopic()),
                        records -> records.stream().anyMatch(record -> unreadable.equals(record.value())));
        assertThat(dead).extracting(ConsumerRecord::value).filteredOn(value -> value != null
                && (value.contains(requestId(before)) || value.contains(requestId(after))
                        || value.contains(requestId(last)))).isEmpty();
    }

    private static void plant(List<String> values) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            // One key, so they share a partition and arrive in one batch, in this order.
            for (String value : values) {
                producer.send(new ProducerRecord<>(Topics.AUDIT_EVENTS.name(), PLANTED, value));
            }
            producer.flush();
        }
    }

    /** COPYs into audit_log that failed other than by refusing an event, all archivers together. */
    private static double failedCopies() {
        return TestStack.get().archivers().stream().mapToDouble(archiver -> Prometheus.value(archiver,
                "spamcheck_audit_copy_fallbacks_total{reason=\"failed\"")).sum();
    }

    private static String event(String campaign) {
        String requestId = UUID.randomUUID().toString();
        TestStack.excuseFromAudit(requestId);
        return "{\"request_id\": \"" + requestId + "\", \"occurred_at\": \"" + Instant.now() + "\", \"client_ip\": "
                + "\"127.0.0.1\", \"method\": \"POST\", \"path\": \"/api/v1/spam_score\", \"campaign_id\": \""
                + campaign + "\", \"outcome\": \"invalid\", \"http_status\": 400, \"latency_ms\": 1}";
    }

    private static String requestId(String event) {
        return JsonMapper.builder().build().readTree(event).get("request_id").asString();
    }

    /** The audit topic's {@code spamcheck_kafka_dead_letters_total} of all running archivers, as Prometheus reads it. */
    private static double deadLetters() {
        return TestStack.get().archivers().stream().mapToDouble(archiver -> Prometheus.value(archiver,
                "spamcheck_kafka_dead_letters_total{topic=\"" + Topics.AUDIT_EVENTS.name() + "\"")).sum();
    }
}
