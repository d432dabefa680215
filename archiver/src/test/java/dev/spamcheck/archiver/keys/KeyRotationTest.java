package dev.spamcheck.archiver.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockConsumerFactory;
import org.springframework.kafka.mock.MockProducerFactory;


import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.archiver.MaintenanceLifecycle;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Key rotation over a real PostgreSQL: stored ciphertexts move to the active key so the old one can
 * be removed, and what no configured key can read is reported rather than lost. The results topic
 * is an empty one on a MockConsumer (its records are not the subject here).
 */
@ExtendWith(OutputCaptureExtension.class)
class KeyRotationTest {

    private static final DataSource UNPOOLED = TestDatabase.fresh();
    /** Pooled, as the archiver's is: unpooled, each of a rotation's statements would open a TLS connection. */
    private static final DataSource DATABASE = TestDatabase.pooled(UNPOOLED);
    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String KEY_B = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU=";
    private static final String KEY_GONE = "Z29uZWdvbmVnb25lZ29uZWdvbmVnb25lZ29uZWdvbmU=";

    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final NumberProtection oldKey = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final NumberProtection rotated = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B + ",a:" + KEY_A);
    private final NumberProtection onlyNewKey = NumberProtection.fromSecrets(HASH_KEY, "b:" + KEY_B);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private MockProducer<String, Object> producer;

    @BeforeEach
    void emptyTables() {
        jdbc.sql("DELETE FROM phone_reputation").update();
        jdbc.sql("DELETE FROM webhook_subscriptions").update();
        jdbc.sql("DELETE FROM key_rotations").update();
    }

    @Test
    void ciphertextsUnderAnOldKeyAreReencryptedUnderTheActiveKeyAndTheReportSaysComplete() throws Exception {
        List<String> numbers = List.of("+12125550101", "+12125550102", "+12125550103", "+12125550104",
                "+12125550105");
        for (String number : numbers.subList(0, 4)) {
            cache(oldKey.protect(number));
        }
        cache(rotated.protect(numbers.get(4)));
        String alreadyMoved = ciphertext(rotated.hash(numbers.get(4)));
        jdbc.sql("""
                INSERT INTO webhook_subscriptions (id, url, events, secret_ciphertext, created_by)
                VALUES ('wh_1', 'https://example.test/hook', '{number.flagged}', ?, 'test')""")
                .param(oldKey.seal("whsec_kept", "wh_1")).update();
        UUID id = UUID.randomUUID();

        KeyRotation.Report report = rotation(rotated).run(trigger(id)).orElseThrow();

        assertThat(report.activeKey()).isEqualTo("b");
        assertThat(report.rowsReencrypted()).isEqualTo(4);
        assertThat(report.rowsUnreadable()).isZero();
        assertThat(report.recordsRepublished()).isZero();
        assertThat(report.webhookCiphertextsReencrypted()).isEqualTo(1);
        assertThat(report.rowsByKey()).containsExactly(Map.entry("b", 5L));
        assertThat(report.complete()).isTrue();
        for (String number : numbers) {
            String hash = rotated.hash(number);
            assertThat(NumberProtection.keyIdOf(ciphertext(hash))).isEqualTo("b");
            assertThat(onlyNewKey.decrypt(ciphertext(hash), hash)).as("readable once key a is removed").isEqualTo(number);
        }
        assertThat(ciphertext(rotated.hash(numbers.get(4)))).as("a row already under the active key is left alone")
                .isEqualTo(alreadyMoved);
        String secret = jdbc.sql("SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = 'wh_1'")
                .query(String.class).single();
        assertThat(onlyNewKey.open(secret, "wh_1")).isEqualTo("whsec_kept");
        Map<String, Object> row = jdbc.sql("SELECT status, active_key, counts::text AS counts FROM key_rotations WHERE id = ?")
                .param(id).query().singleRow();
        assertThat(row.get("status")).isEqualTo("completed");
        assertThat(row.get("active_key")).isEqualTo("b");
        assertThat(json((String) row.get("counts"))).containsEntry("rows_reencrypted", 4)
                .containsEntry("rows_unreadable", 0).containsEntry("webhook_ciphertexts_reencrypted", 1);
        assertThat(meters.get("spamcheck.number.ciphertexts").tag("key", "b").gauge().value()).isEqualTo(5);
        assertThat(producer.history()).isEmpty();

        // Its own trigger, delivered again (its archiver lost it before committing): done already.
        assertThat(rotation(rotated).run(trigger(id))).isEmpty();
        assertThat(jdbc.sql("SELECT status FROM key_rotations WHERE id = ?").param(id).query(String.class).single())
                .isEqualTo("completed");

        // Repeating it moves nothing more.
        KeyRotation.Report again = rotation(rotated).run(trigger(UUID.randomUUID())).orElseThrow();
        assertThat(again.rowsReencrypted()).isZero();
        assertThat(again.webhookCiphertextsReencrypted()).isZero();
        assertThat(again.complete()).isTrue();
    }

    @Test
    void everySliceOfTheHashSpaceIsRotatedInBatchesAndUnreadableRowsAreCountedOnce() throws Exception {
        NumberProtection gone = NumberProtection.fromSecrets(HASH_KEY, "gone:" + KEY_GONE);
        List<String> hashes = new java.util.ArrayList<>();
        List<String> ciphertexts = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            // Enough that every one of the 256 slices holds rows, most more than a batch (2 here).
            ProtectedNumber number = (i % 100 == 0 ? gone : oldKey).protect("+1212555" + String.format("%04d", i));
            hashes.add(number.hash());
            ciphertexts.add(number.ciphertext());
        }
        jdbc.sql("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at)
                SELECT h, c, '0000', 'scored', 0, now() FROM unnest(CAST(? AS char(64)[]), CAST(? AS text[])) AS v(h, c)""")
                .params(hashes.toArray(String[]::new), ciphertexts.toArray(String[]::new)).update();
        assertThat(hashes.stream().map(hash -> hash.substring(0, 2)).distinct().count()).isEqualTo(256);

        KeyRotation.Report report = rotation(rotated).run(trigger(UUID.randomUUID())).orElseThrow();

        assertThat(report.rowsReencrypted()).isEqualTo(1980);
        assertThat(report.rowsUnreadable()).as("each row under a removed key counted once").isEqualTo(20);
        assertThat(report.rowsByKey()).containsExactly(Map.entry("b", 1980L), Map.entry("gone", 20L));
    }

    @Test
    void rowsUnderAKeyNoLongerConfiguredAreCountedAsNotMovableAndTheReportIsNotComplete() throws Exception {
        NumberProtection forgotten = NumberProtection.fromSecrets(HASH_KEY, "z:" + KEY_GONE);
        cache(oldKey.protect("+12125550101"));
        cache(forgotten.protect("+12125550102"));
        cache(oldKey.protect("+12125550103"));
        String stranded = ciphertext(forgotten.hash("+12125550102"));
        jdbc.sql("""
                INSERT INTO webhook_subscriptions (id, url, events, secret_ciphertext, created_by)
                VALUES ('wh_lost', 'https://example.test/hook', '{number.flagged}', ?, 'test')""")
                .param(forgotten.seal("whsec_lost", "wh_lost")).update();

        KeyRotation.Report report = rotation(rotated).run(trigger(UUID.randomUUID())).orElseThrow();

        assertThat(report.rowsReencrypted()).isEqualTo(2);
        assertThat(report.rowsUnreadable()).isEqualTo(1);
        assertThat(report.webhookCiphertextsUnreadable()).isEqualTo(1);
        assertThat(report.rowsByKey()).containsEntry("b", 2L).containsEntry("z", 1L).hasSize(2);
        assertThat(report.complete()).isFalse();
        assertThat(report.toString()).contains("1 unreadable");
        assertThat(ciphertext(forgotten.hash("+12125550102"))).as("left as it was").isEqualTo(stranded);
        assertThat(jdbc.sql("SELECT counts::text FROM key_rotations").query(String.class).single())
                .satisfies(counts -> assertThat(json(counts)).containsEntry("rows_unreadable", 1)
                        .containsEntry("webhook_ciphertexts_unreadable", 1));
        assertThat(jdbc.sql("SELECT status FROM key_rotations").query(String.class).single()).isEqualTo("incomplete");
    }

    @Test
    void aSecretAGatewayWritesUnderTheOldKeyAfterTheWebhookPassLeavesTheRotationIncomplete(CapturedOutput output)
            throws Exception {
        jdbc.sql("""
                INSERT INTO webhook_subscriptions (id, url, events, secret_ciphertext, created_by)
                VALUES ('wh_1', 'https://example.test/hook', '{number.flagged}', ?, 'test')""")
                .param(oldKey.seal("whsec_kept", "wh_1")).update();
        // A gateway still putting key a first creates a subscription as the pass re-seals wh_1.
        jdbc.sql("""
                CREATE FUNCTION test_late_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO webhook_subscriptions (id, url, events, secret_ciphertext, created_by)
                  VALUES ('wh_late', 'https://example.test/late', '{number.flagged}', '%s', 'test')
                  ON CONFLICT DO NOTHING;
                  RETURN NULL;
                END $$""".formatted(oldKey.seal("whsec_late", "wh_late"))).update();
        jdbc.sql("""
                CREATE TRIGGER test_late_webhook AFTER UPDATE ON webhook_subscriptions
                   FOR EACH ROW EXECUTE FUNCTION test_late_webhook()""").update();
        KeyRotation.Report report;
        UUID first = UUID.randomUUID();
        try {
            report = rotation(rotated).run(trigger(first)).orElseThrow();
        }
        finally {
            jdbc.sql("DROP TRIGGER test_late_webhook ON webhook_subscriptions").update();
            jdbc.sql("DROP FUNCTION test_late_webhook()").update();
        }

        assertThat(report.webhookCiphertextsReencrypted()).isEqualTo(1);
        assertThat(report.webhookCiphertextsLeft()).isEqualTo(1);
        // Removing key a now would leave wh_late's deliveries unsigned: run it again instead.
        assertThat(report.complete()).isFalse();
        assertThat(report.allReadable()).isTrue();
        assertThat(output).contains("ciphertexts remain under another key than b: those under a configured key were "
                + "written meanwhile by a service not yet putting b first");
        // Where GET /admin/keys shows it: not "completed", which step 3 of the runbook takes as "remove the old key".
        assertThat(status(first)).isEqualTo("incomplete");
        // The same trigger delivered again has nothing more to do.
        assertThat(rotation(rotated).run(trigger(first))).isEmpty();
        UUID second = UUID.randomUUID();
        KeyRotation.Report again = rotation(rotated).run(trigger(second)).orElseThrow();
        assertThat(again.webhookCiphertextsReencrypted()).isEqualTo(1);
        assertThat(again.complete()).isTrue();
        assertThat(status(second)).isEqualTo("completed");
    }

    @Test
    void aRotationRunningOnAnotherArchiverIsWaitedForNotRunAlongside() throws Exception {
        cache(oldKey.protect("+12125550101"));
        String hash = rotated.hash("+12125550101");
        // Not from the pool: a failure before the unlock would leave the lock on a pooled session.
        try (java.sql.Connection otherArchiver = UNPOOLED.getConnection();
                java.sql.Statement sql = otherArchiver.createStatement()) {
            sql.execute("SELECT pg_advisory_lock(hashtext('spamcheck.key-rotation'))");

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rotation(rotated).run(trigger(UUID.randomUUID())))
                    .isInstanceOf(KeyRotation.RunningElsewhere.class);
            assertThat(NumberProtection.keyIdOf(ciphertext(hash))).isEqualTo("a");
            assertThat(jdbc.sql("SELECT count(*) FROM key_rotations").query(Long.class).single()).isZero();
            // Released before the session closes: the server lets go of a closed session's locks
            // only once its backend has exited, which need not be before the next line.
            sql.execute("SELECT pg_advisory_unlock(hashtext('spamcheck.key-rotation'))");
        }
        // That archiver is done: the redelivered trigger runs.
        assertThat(rotation(rotated).run(trigger(UUID.randomUUID())).orElseThrow().rowsReencrypted()).isEqualTo(1);
        assertThat(NumberProtection.keyIdOf(ciphertext(hash))).isEqualTo("b");
    }

    @Test
    void aRotationWhoseLockSessionEndsStopsRatherThanGoOnUnguardedAndIsRetried() throws Exception {
        for (int i = 0; i < 20; i++) {
            cache(oldKey.protect("+121255501" + (10 + i)));
        }
        UUID id = UUID.randomUUID();
        KeyRotation rotation = rotation(rotated);
        CompletableFuture<Optional<KeyRotation.Report>> running;
        try (java.sql.Connection migration = UNPOOLED.getConnection();
                java.sql.Statement sql = migration.createStatement()) {
            migration.setAutoCommit(false);
            // Holds the rotation's first re-encryption, so its lock's session can be ended mid-way.
            sql.execute("LOCK TABLE phone_reputation IN EXCLUSIVE MODE");
            running = CompletableFuture.supplyAsync(() -> {
                try {
                    return rotation.run(trigger(id));
                }
                catch (java.sql.SQLException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'""").query(Long.class).single() == 1);
            // A fail-over, or a dropped idle connection: the session, and the lock with it, is gone.
            assertThat(jdbc.sql("""
                    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted""")
                    .query(Boolean.class).list()).containsExactly(true);
            migration.rollback();
        }

        assertThatThrownBy(() -> running.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .hasRootCauseMessage("The database session holding the lock has ended");
        assertThat(status(id)).isEqualTo("failed");

        // Its trigger, delivered again, finishes the rotation.
        assertThat(rotation(rotated).run(trigger(id)).orElseThrow().complete()).isTrue();
        assertThat(jdbc.sql("SELECT number_ciphertext FROM phone_reputation").query(String.class).list())
                .hasSize(20).allSatisfy(ciphertext -> assertThat(NumberProtection.keyIdOf(ciphertext)).isEqualTo("b"));
    }

    private KeyRotation rotation(NumberProtection protection) {
        ArchiverProperties properties = new Binder(new MapConfigurationPropertySource(
                Map.of("spamcheck.archive.batch-size", "2"))).bindOrCreate("spamcheck", ArchiverProperties.class);
        Serializer<Object> json = (topic, value) -> value == null ? null
                : MessageCodec.encode(value).getBytes(StandardCharsets.UTF_8);
        producer = new MockProducer<>(true, null, new StringSerializer(), json) {
            @Override
            public void close(Duration timeout) {
            }
        };
        TopicSender kafka = new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)));
        MockConsumerFactory<Object, Object> consumers = new MockConsumerFactory<>(KeyRotationTest::emptyResultsTopic);
        CachedCiphertexts cached = new CachedCiphertexts(jdbc);
        MaintenanceLifecycle lifecycle = new MaintenanceLifecycle();
        lifecycle.start();
        return new KeyRotation(DATABASE, cached, new LiveResultRecords(consumers, kafka, protection),
                new WebhookCiphertexts(jdbc), new KeyRotations(jdbc), new CiphertextMetrics(cached, meters),
                protection, properties, lifecycle);
    }

    /** The results topic with one partition and no records. */
    private static MockConsumer<Object, Object> emptyResultsTopic() {
        MockConsumer<Object, Object> consumer = new MockConsumer<>("earliest");
        TopicPartition partition = new TopicPartition(Topics.Names.LOOKUP_RESULTS, 0);
        consumer.updatePartitions(Topics.Names.LOOKUP_RESULTS,
                List.of(new PartitionInfo(Topics.Names.LOOKUP_RESULTS, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, 0L));
        return consumer;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String counts) {
        return MessageCodec.mapper().readValue(counts, Map.class);
    }

    private static MaintenanceTrigger trigger(UUID id) {
        return new MaintenanceTrigger(id.toString(), java.time.LocalDate.now(), Instant.now(), "test",
                MaintenanceTrigger.Job.KEY_ROTATION);
    }

    private void cache(ProtectedNumber number) {
        jdbc.sql("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at)
                VALUES (?, ?, ?, 'scored', 0, now())""").params(number.hash(), number.ciphertext(), number.last4())
                .update();
    }

    private String ciphertext(String hash) {
        return jdbc.sql("SELECT number_ciphertext FROM phone_reputation WHERE number_hash = ?").param(hash)
                .query(String.class).single();
    }

    private String status(UUID rotation) {
        return jdbc.sql("SELECT status FROM key_rotations WHERE id = ?").param(rotation).query(String.class).single();
    }
}
