package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.Topic;
import dev.spamcheck.schemas.topic.Topics;

/**
 * One policy for a record no consumer can read, on every topic: a poison record lands in the
 * topic's {@code .dlt}, byte for byte, is counted under the topic's name by whichever service read
 * it (listener containers, the key-ordered consumer and the Streams applications alike), and the
 * consumer goes on. On a stack of its own: the poison would upset tests that read the shared
 * stack's topics.
 */
class DeadLettersSystemTest {

    /** The gateway's default {@code spamcheck.lookup-timeout}. */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = OwnStack.start("dead-letters", Duration.ofMillis(20), false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    /** Every topic a service reads. */
    static List<Topic<String, ?>> readTopics() {
        return List.of(Topics.LOOKUP_REQUESTS, Topics.LOOKUP_PREWARM, Topics.LOOKUP_RESULTS, Topics.LOOKUP_FAILURES,
                Topics.AUDIT_EVENTS, Topics.ARCHIVE_TRIGGERS, Topics.REPUTATION_CHANGES, Topics.CAMPAIGN_HEALTH);
    }

    @ParameterizedTest
    @MethodSource("readTopics")
    void aPoisonRecordLandsInItsDeadLetterTopicAndIsCounted(Topic<String, ?> topic) throws Exception {
        String poison = "{\"poison\": \"" + UUID.randomUUID() + "\", ";
        double before = deadLetters(topic);
        send(topic.name(), poison);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicContents.read(stack.kafkaBootstrapServers(), topic.deadLetterTopic()))
                .extracting(ConsumerRecord::value).contains(poison));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(topic) > before);
        List<ConsumerRecord<String, String>> dead = TopicContents.read(stack.kafkaBootstrapServers(),
                topic.deadLetterTopic());
        assertThat(dead).filteredOn(record -> poison.equals(record.value())).allSatisfy(record -> assertThat(
                new String(record.headers().lastHeader("kafka_dlt-original-topic").value())).isEqualTo(topic.name()));
    }

    @ParameterizedTest
    @MethodSource("resultTopics")
    void aResultWithoutItsNumberHashIsDeadLetteredAndTheGatewaysGoOnAnswering(Topic<String, ?> topic)
            throws Exception {
        // Valid JSON, but without the key every reader of results goes by: read, it failed each
        // gateway's results listener on every redelivery, and no lookup was answered after it.
        String outcome = topic == Topics.LOOKUP_RESULTS ? "\"outcome\": \"scored\", \"spam_score\": 1"
                : "\"outcome\": \"unavailable\", \"error_code\": \"twilio_http_500\"";
        String poison = "{\"request_id\": \"" + UUID.randomUUID() + "\", \"number_ciphertext\": \"v1.k.x\", "
                + "\"last4\": \"0123\", " + outcome + ", \"checked_at\": \"" + Instant.now() + "\", "
                + "\"from_cache\": false}";
        send(topic.name(), poison);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicContents.read(stack.kafkaBootstrapServers(), topic.deadLetterTopic()))
                .extracting(ConsumerRecord::value).contains(poison));
        for (int i = 0; i < 3; i++) {
            // In time: a gateway stuck on the record would still answer 200, from PostgreSQL once
            // its wait for the result ran out.
            long started = System.nanoTime();
            HttpResponse<String> answer = OwnStack.lookUp(stack, Traffic.uniqueNumber("0123"));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LOOKUP_TIMEOUT.dividedBy(2));
        }
    }

    static List<Topic<String, ?>> resultTopics() {
        return List.of(Topics.LOOKUP_RESULTS, Topics.LOOKUP_FAILURES);
    }

    @Test
    void aPoisonRecordInAStreamsApplicationsInternalTopicLandsInTheDeclaredDeadLetterTopic() throws Exception {
        // The campaign-health application's own repartition topic: the table has no entry for it, so
        // no <topic>.dlt exists (nor would one be created where the broker does not create topics).
        String internal = "spamcheck-campaign-health-campaign-deltas-repartition";
        String poison = "{\"poison\": \"" + UUID.randomUUID() + "\", ";
        await().atMost(Duration.ofSeconds(30)).until(() -> TopicContents.exists(stack.kafkaBootstrapServers(), internal));
        double before = deadLetters(internal);
        send(internal, poison);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                TopicContents.read(stack.kafkaBootstrapServers(), Topics.Names.STREAMS_INTERNAL_DEAD_LETTERS))
                .filteredOn(record -> poison.equals(record.value())).singleElement().satisfies(record -> assertThat(
                        new String(record.headers().lastHeader("kafka_dlt-original-topic").value()))
                        .isEqualTo(internal)));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(internal) > before);
        assertThat(TopicContents.exists(stack.kafkaBootstrapServers(), internal + ".dlt")).isFalse();
    }

    private static void send(String topic, String value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "poison", value)).get();
        }
    }

    private static double deadLetters(Topic<String, ?> topic) {
        return deadLetters(topic.name());
    }

    private static double deadLetters(String topic) {
        String series = DeadLetters.METRIC.replace('.', '_') + "_total{topic=\"" + topic + "\"";
        return stack.services().stream().mapToDouble(service -> Prometheus.value(service, series)).sum();
    }
}
