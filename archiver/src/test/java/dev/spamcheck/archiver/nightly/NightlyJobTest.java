package dev.spamcheck.archiver.nightly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.archiver.MaintenanceLifecycle;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The nightly job over a real PostgreSQL, its Kafka sends captured by a MockProducer: what it
 * re-checks, archives and purges, that a date runs once, and how it fails when Kafka does not
 * acknowledge.
 */
class NightlyJobTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final Map<String, String> THREE_A_NIGHT = Map.of("spamcheck.nightly.max-rechecks", "3");
    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";

    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final NumberProtection protection = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void emptyTables() {
        for (String table : List.of("phone_reputation", "lookup_results", "lookup_history", "audit_log", "job_runs",
                "webhook_subscriptions", "api_tokens", "lookup_claims")) {
            jdbc.sql("DELETE FROM " + table).update();
        }
    }

    @Test
    void rechecksDueCleanNumbersArchivesOldResultsAndPurgesExpiredRowsWithTombstones() throws Exception {
        ProtectedNumber due = reputation("+12125550101", 0, "2 days", "1 day");
        ProtectedNumber dueToo = reputation("+12125550102", 0, "3 days", "2 hours");
        reputation("+12125550103", 1, "2 days", "1 day"); // flagged: not re-checked
        reputation("+12125550104", 0, "1 hour", "1 hour"); // checked recently
        reputation("+12125550105", 0, "2 days", "60 days"); // nobody asks any more
        reputation("+12125550106", 0, "2 days", null); // only ever prewarmed
        ProtectedNumber expired = reputation("+12125550107", 0, "400 days", null);
        long oldResult = result("40 days");
        long recentResult = result("1 day");
        history(1_000_001, "400 days");
        history(1_000_002, "100 days");
        audit("400 days");
        UUID recentAudit = audit("1 day");
        webhook("whk_00000000000000aa", "400 days");
        webhook("whk_00000000000000bb", "1 day");
        webhook("whk_00000000000000cc", null);
        long leftBehind = pendingDelivery("whk_00000000000000bb");
        long live = pendingDelivery("whk_00000000000000cc");
        token("tok_0000000000aa", "400 days");
        token("tok_0000000000bb", "1 day");
        token("tok_0000000000cc", null);
        claim("aa", "2 days");
        claim("bb", "1 minute");
        claim("cc", "-5 minutes");

        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);
        LocalDate today = job.today();
        job.run(trigger(today));

        List<ProducerRecord<String, Object>> prewarm = sentTo(producer, Topics.Names.LOOKUP_PREWARM);
        assertThat(prewarm).extracting(ProducerRecord::key).containsExactlyInAnyOrder(due.hash(), dueToo.hash());
        for (ProducerRecord<String, Object> record : prewarm) {
            LookupRequest request = (LookupRequest) record.value();
            ProtectedNumber number = record.key().equals(due.hash()) ? due : dueToo;
            assertThat(request.origin()).isEqualTo(LookupRequest.Origin.RECHECK);
            assertThat(request.numberHash()).isEqualTo(number.hash());
            assertThat(request.numberCiphertext()).isEqualTo(number.ciphertext());
            assertThat(request.last4()).isEqualTo(number.last4());
            assertThat(request.deadline()).isNull();
            assertThat(request.campaignId()).as("a re-check is no campaign's").isNull();
            assertThat(MessageCodec.encode(request)).doesNotContain("212555010");
        }
        List<ProducerRecord<String, Object>> results = sentTo(producer, Topics.Names.LOOKUP_RESULTS);
        assertThat(results).extracting(ProducerRecord::key)
                .containsExactlyInAnyOrder(expired.hash(), expired.hash() + ":unavailable");
        assertThat(results).allSatisfy(record -> assertThat(record.value()).as("a tombstone").isNull());
        assertThat(producer.history()).hasSize(4);

        assertThat(jdbc.sql("SELECT id FROM lookup_results").query(Long.class).list()).containsExactly(recentResult);
        assertThat(jdbc.sql("SELECT id FROM lookup_history ORDER BY id").query(Long.class).list())
                .containsExactly(oldResult, 1_000_002L);
        assertThat(jdbc.sql("SELECT request_id FROM audit_log").query(UUID.class).list()).containsExactly(recentAudit);
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation WHERE number_hash = ?").param(expired.hash())
                .query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation").query(Long.class).single()).isEqualTo(6);

        Map<String, Object> run = jobRun(today);
        assertThat(run.get("status")).isEqualTo("completed");
        assertThat(run.get("phase")).isEqualTo("done");
        assertThat(run.get("error")).isNull();
        assertThat(run.get("finished_at")).isNotNull();
        String counts = (String) run.get("counts");
        assertThat(json(counts)).containsEntry("rechecks_queued", 2).containsEntry("recheck_cost_usd", "0.016")
                .containsEntry("archived", 1).containsEntry("purged_history", 1).containsEntry("purged_audit", 1)
                .containsEntry("purged_reputation", 1).containsEntry("purged_webhook_deliveries", 0)
                .containsEntry("purged_webhooks", 1).containsEntry("purged_tokens", 1).containsEntry("purged_claims", 1);
        assertThat(jdbc.sql("SELECT left(number_hash, 2) FROM lookup_claims ORDER BY 1").query(String.class).list())
                .as("a claim lapsed a minute ago, and a live one, stay").containsExactly("bb", "cc");
        assertThat(jdbc.sql("SELECT id FROM api_tokens ORDER BY id").query(String.class).list())
                .as("revoked within the year, and live ones, stay").containsExactly("tok_0000000000bb",
                        "tok_0000000000cc");
        assertThat(jdbc.sql("SELECT id FROM webhook_subscriptions ORDER BY id").query(String.class).list())
                .as("deleted within the year, and live ones, stay").containsExactly("whk_00000000000000bb",
                        "whk_00000000000000cc");
        assertThat(jdbc.sql("SELECT status, number_ciphertext IS NULL AS dropped, last_error FROM webhook_deliveries "
                + "WHERE id = ?").param(leftBehind).query().singleRow())
                .as("a pending delivery its subscription's deletion did not see ends")
                .containsEntry("status", "dead").containsEntry("dropped", true)
                .containsEntry("last_error", "subscription deleted");
        assertThat(jdbc.sql("SELECT status FROM webhook_deliveries WHERE id = ?").param(live).query(String.class)
                .single()).isEqualTo("pending");

        // The same date again (a redelivered trigger, a second archiver): nothing is sent or touched.
        reputation("+12125550108", 0, "400 days", null);
        result("40 days");
        producer.clear();
        job.run(trigger(today));
        assertThat(producer.history()).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM lookup_results").query(Long.class).single()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation").query(Long.class).single()).isEqualTo(7);
        assertThat(jobRun(today).get("counts")).isEqualTo(counts);
    }

    @Test
    void aJobForAFutureDateIsRefusedWithoutTouchingAnything() throws Exception {
        reputation("+12125550101", 0, "2 days", "1 day");
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);

        job.run(trigger(job.today().plusDays(1)));

        assertThat(producer.history()).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM job_runs").query(Long.class).single()).isZero();
    }

    @Test
    void aJobWhoseLockEndedWithItsSessionStopsBeforeItsNextBatch() throws Exception {
        for (int i = 0; i < 5; i++) {
            audit("400 days");
        }
        // The first purge of audit rows ends the session holding the date's lock, as a fail-over or
        // an idle-connection cut would: another archiver may now take the lock and run this job.
        NightlyJob job = job(producer(true));
        LocalDate today = job.today();
        try (AutoCloseable droppingTheLock = plpgsqlTrigger("drop_nightly_lock", "AFTER DELETE", "audit_log",
                "STATEMENT", """
                        PERFORM pg_terminate_backend(pid) FROM pg_locks
                          WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
                            AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
                        RETURN NULL;""")) {
            assertThatThrownBy(() -> job.run(trigger(today))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("The database session holding the lock has ended");
        }
        assertThat(auditRows()).as("no batch after the one that lost the lock").isEqualTo(4);
        assertThat(jobRun(today).get("status")).isEqualTo("failed");

        job.run(trigger(today));
        assertThat(auditRows()).as("resumed, with a lock of its own").isZero();
    }

    @Test
    void aRunCompletedElsewhereIsNotMarkedFailedByOneThatLostItsLock() throws Exception {
        NightlyJob job = job(producer(true));
        LocalDate today = job.today();
        job.run(trigger(today));

        new JobRuns(jdbc).fail(today, "IllegalStateException");

        assertThat(jobRun(today).get("status")).isEqualTo("completed");
        assertThat(jobRun(today).get("error")).isNull();
    }

    /**
     * A PL/pgSQL trigger {@code name} on {@code table} ({@code when}: "BEFORE UPDATE", ...; {@code
     * forEach}: ROW or STATEMENT) running {@code body}, dropped with its function on close.
     */
    private AutoCloseable plpgsqlTrigger(String name, String when, String table, String forEach, String body) {
        jdbc.sql("CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n" + body
                + "\nEND $$").update();
        jdbc.sql("CREATE TRIGGER " + name + " " + when + " ON " + table + " FOR EACH " + forEach
                + " EXECUTE FUNCTION " + name + "()").update();
        return () -> {
            jdbc.sql("DROP TRIGGER " + name + " ON " + table).update();
            jdbc.sql("DROP FUNCTION " + name + "()").update();
        };
    }

    /** {@code count} clean numbers due for a re-check, the first requested most recently. */
    private void cleanNumbersDue(int count) {
        for (int i = 1; i <= count; i++) {
            reputation("+1212555010" + i, 0, "2 days", i + " hours");
        }
    }

    private long auditRows() {
        return jdbc.sql("SELECT count(*) FROM audit_log").query(Long.class).single();
    }

    @Test
    void aTriggerForADateRunningOnAnotherArchiverWaitsForThatRunInsteadOfBeingDropped() throws Exception {
        reputation("+12125550101", 0, "2 days", "1 day");
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);
        LocalDate today = job.today();
        try (Connection otherArchiver = DATABASE.getConnection();
                Statement lock = otherArchiver.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(hashtext('spamcheck.nightly." + today + "'))");

            assertThatThrownBy(() -> job.run(trigger(today))).isInstanceOf(NightlyJob.RunningElsewhere.class);
            assertThat(producer.history()).isEmpty();

            // That archiver stops before finishing (its lock goes with its session): the redelivered
            // trigger runs the job.
            lock.execute("SELECT pg_advisory_unlock(hashtext('spamcheck.nightly." + today + "'))");
        }
        job.run(trigger(today));
        assertThat(jobRun(today).get("status")).isEqualTo("completed");

        // Once it has run, a trigger meeting the lock of a late duplicate is simply done.
        try (Connection otherArchiver = DATABASE.getConnection();
                Statement lock = otherArchiver.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(hashtext('spamcheck.nightly." + today + "'))");
            job.run(trigger(today));
        }
    }

    @Test
    void whileAKeyRotationRunsNoNumberIsPurgedAndThePurgeResumesAfterIt() throws Exception {
        // A rotation republishes records it read earlier: one republished after a purge's tombstone
        // would bring the purged number back to the compacted results topic for good.
        ProtectedNumber expired = reputation("+12125550107", 0, "400 days", null);
        history(1_000_001, "400 days");
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);
        LocalDate today = job.today();
        try (Connection rotation = DATABASE.getConnection(); Statement lock = rotation.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(hashtext('spamcheck.key-rotation'))");

            assertThatThrownBy(() -> job.run(trigger(today))).isInstanceOf(NightlyJob.RunningElsewhere.class)
                    .hasMessage("Nightly job " + today + " waits for a key rotation to end before purging numbers");
            assertThat(sentTo(producer, Topics.Names.LOOKUP_RESULTS)).isEmpty();
            assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation").query(Long.class).single()).isOne();
            Map<String, Object> waiting = jobRun(today);
            assertThat(waiting.get("status")).as("waiting is not failing").isNotEqualTo("failed");
            assertThat(waiting.get("phase")).isEqualTo("purge");
            assertThat(meters.get("spamcheck.nightly.job.failures").counter().count()).isZero();
        }

        // The rotation has ended (its lock went with its session): the redelivered trigger purges.
        job.run(trigger(today));
        assertThat(sentTo(producer, Topics.Names.LOOKUP_RESULTS)).extracting(ProducerRecord::key)
                .contains(expired.hash());
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation").query(Long.class).single()).isZero();
        assertThat(jobRun(today).get("status")).isEqualTo("completed");
    }

    @Test
    void whenKafkaDoesNotAcknowledgeTheRechecksTheJobFailsNamingHowManyAndResumesLater() throws Exception {
        reputation("+12125550101", 0, "2 days", "1 day");
        reputation("+12125550102", 0, "2 days", "1 day");
        reputation("+12125550103", 0, "2 days", "1 day");
        long oldResult = result("40 days");

        MockProducer<String, Object> silent = producer(false);
        NightlyJob job = job(silent);
        LocalDate today = job.today();
        CompletableFuture<Void> running = started(job, today);
        await().atMost(Duration.ofSeconds(10)).until(() -> silent.history().size() == 3);
        assertThat(running).isNotDone();
        // The broker acknowledges one and times out the others, as a producer past delivery.timeout.ms does.
        assertThat(silent.completeNext()).isTrue();
        assertThat(silent.errorNext(new org.apache.kafka.common.errors.TimeoutException("expired"))).isTrue();
        assertThat(silent.errorNext(new org.apache.kafka.common.errors.TimeoutException("expired"))).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(running::isDone);
        assertThat(running).isCompletedExceptionally();
        Throwable failure = running.handle((ok, ex) -> ex.getCause()).get();
        assertThat(failure).isInstanceOf(TopicSender.NotAcknowledged.class)
                .hasMessageStartingWith("2 of 3 records were not acknowledged by Kafka");
        Map<String, Object> run = jobRun(today);
        assertThat(run.get("status")).isEqualTo("failed");
        assertThat(run.get("phase")).as("it stopped before archiving").isEqualTo("recheck");
        assertThat((String) run.get("error")).startsWith("2 of 3 records were not acknowledged by Kafka")
                .contains("TimeoutException");
        assertThat(jdbc.sql("SELECT id FROM lookup_results").query(Long.class).list()).containsExactly(oldResult);
        assertThat(meters.get("spamcheck.nightly.job.failures").counter().count()).isEqualTo(1);

        // The trigger is redelivered; with Kafka back, the job runs again from the re-checks and completes.
        MockProducer<String, Object> back = producer(true);
        job(back).run(trigger(today));
        assertThat(sentTo(back, Topics.Names.LOOKUP_PREWARM)).hasSize(3);
        run = jobRun(today);
        assertThat(run.get("status")).isEqualTo("completed");
        assertThat(run.get("error")).isNull();
        assertThat(jdbc.sql("SELECT count(*) FROM lookup_results").query(Long.class).single()).isZero();
    }

    @Test
    void rechecksKafkaTookBeforeTheJobFailedCountTowardsTheNightsLimitWhenItResumes() throws Exception {
        cleanNumbersDue(5);
        MockProducer<String, Object> failing = producer(false);
        NightlyJob job = job(failing, THREE_A_NIGHT);
        LocalDate today = job.today();
        CompletableFuture<Void> running = started(job, today);
        await().atMost(Duration.ofSeconds(10)).until(() -> failing.history().size() == 3);
        assertThat(failing.completeNext()).isTrue();
        assertThat(failing.completeNext()).isTrue();
        assertThat(failing.errorNext(new org.apache.kafka.common.errors.TimeoutException("expired"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(running::isDone);
        assertThat(json((String) jobRun(today).get("counts"))).containsEntry("rechecks_queued", 2)
                .containsEntry("recheck_cost_usd", "0.016");

        // The worker pays for the two Kafka took; the rest are still due, the next two with them.
        for (ProducerRecord<String, Object> taken : failing.history().subList(0, 2)) {
            jdbc.sql("UPDATE phone_reputation SET checked_at = now() WHERE number_hash = ?").param(taken.key())
                    .update();
        }
        MockProducer<String, Object> back = producer(true);
        job(back, THREE_A_NIGHT).run(trigger(today));

        assertThat(sentTo(back, Topics.Names.LOOKUP_PREWARM)).as("what is left of the night's three").hasSize(1);
        assertThat(json((String) jobRun(today).get("counts"))).containsEntry("rechecks_queued", 3)
                .containsEntry("recheck_cost_usd", "0.024");
    }

    @Test
    void rechecksKafkaTookBeforeTheirCountWasRecordedAreNotReplacedByOthersWhenTheJobResumes() throws Exception {
        cleanNumbersDue(6);
        // Kafka takes the re-checks; recording that the phase is done then fails (a database blip).
        MockProducer<String, Object> first = producer(true);
        NightlyJob job = job(first, THREE_A_NIGHT);
        LocalDate today = job.today();
        try (AutoCloseable refusing = plpgsqlTrigger("refuse_archive_phase", "BEFORE UPDATE", "job_runs", "ROW", """
                IF NEW.phase = 'archive' AND OLD.phase = 'recheck' THEN RAISE EXCEPTION 'connection lost'; END IF;
                RETURN NEW;""")) {
            assertThatThrownBy(() -> job.run(trigger(today))).hasMessageContaining("connection lost");
        }
        assertThat(sentTo(first, Topics.Names.LOOKUP_PREWARM)).hasSize(3);
        // The workers re-check them meanwhile: they are no longer due, and three others are.
        for (ProducerRecord<String, Object> taken : sentTo(first, Topics.Names.LOOKUP_PREWARM)) {
            jdbc.sql("UPDATE phone_reputation SET checked_at = now() WHERE number_hash = ?").param(taken.key())
                    .update();
        }

        MockProducer<String, Object> resumed = producer(true);
        job(resumed, THREE_A_NIGHT).run(trigger(today));

        assertThat(sentTo(resumed, Topics.Names.LOOKUP_PREWARM)).as("the night's three were sent").isEmpty();
        assertThat(json((String) jobRun(today).get("counts"))).containsEntry("rechecks_queued", 3);
    }

    @Test
    void aRecheckAgeBelowTheCacheTtlCountsAsTheTtlSoNoFreshAnswerIsCountedAsARecheck() throws Exception {
        ProtectedNumber fresh = reputation("+12125550111", 0, "18 hours", "1 hour");
        ProtectedNumber stale = reputation("+12125550112", 0, "25 hours", "1 hour");
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer, Map.of("spamcheck.nightly.recheck-older-than", "PT12H"));

        job.run(trigger(job.today()));

        // The worker would answer the fresh one from its cache: queued, counted and charged for nothing.
        assertThat(sentTo(producer, Topics.Names.LOOKUP_PREWARM)).extracting(ProducerRecord::key)
                .containsExactly(stale.hash()).doesNotContain(fresh.hash());
        assertThat(json((String) jobRun(job.today()).get("counts"))).containsEntry("rechecks_queued", 1);
    }

    @Test
    void aBatchWhoseProgressCannotBeRecordedIsUndoneSoTheReportMissesNoRow() throws Exception {
        result("40 days");
        result("41 days");
        // Recording the first archived row fails, as a database blip between statements would.
        NightlyJob job = job(producer(true));
        LocalDate today = job.today();
        try (AutoCloseable refusing = plpgsqlTrigger("refuse_first_archived", "BEFORE UPDATE", "job_runs", "ROW", """
                IF NEW.counts ->> 'archived' = '1' THEN RAISE EXCEPTION 'connection lost'; END IF;
                RETURN NEW;""")) {
            assertThatThrownBy(() -> job.run(trigger(today))).hasMessageContaining("connection lost");
            assertThat(jdbc.sql("SELECT count(*) FROM lookup_results").query(Long.class).single())
                    .as("the batch undone with its count").isEqualTo(2);
        }

        job.run(trigger(today));

        assertThat(json((String) jobRun(today).get("counts"))).containsEntry("archived", 2);
        assertThat(jdbc.sql("SELECT count(*) FROM lookup_history").query(Long.class).single()).isEqualTo(2);
    }

    @Test
    void aResultWhoseIdIsAlreadyInHistoryFailsTheJobInsteadOfBeingDropped() throws Exception {
        // As after a restore that set the ids back: a new check takes the id of an archived one.
        long reused = result("40 days");
        history(reused, "100 days");
        NightlyJob job = job(producer(true));
        LocalDate today = job.today();

        assertThatThrownBy(() -> job.run(trigger(today))).isInstanceOf(DuplicateKeyException.class);

        assertThat(jobRun(today).get("status")).isEqualTo("failed");
        assertThat(jobRun(today).get("phase")).isEqualTo("archive");
        assertThat(jdbc.sql("SELECT count(*) FROM lookup_results WHERE id = ?").param(reused).query(Long.class)
                .single()).as("still there, not lost").isEqualTo(1);
    }

    @Test
    void aFreshAnswerStoredWhileItsNumberIsPurgedLandsAfterTheTombstoneAndStays() throws Exception {
        ProtectedNumber expired = reputation("+12125550107", 0, "400 days", null);
        MockProducer<String, Object> silent = producer(false);
        NightlyJob job = job(silent);
        CompletableFuture<Void> running = started(job, job.today());
        await().atMost(Duration.ofSeconds(10)).until(() -> silent.history().size() == 2);

        // A worker stores a fresh answer to the number while its tombstones are on their way: it
        // waits for them, so that it publishes its answer after them, not before (where compaction
        // would remove it with the purged one).
        CompletableFuture<Integer> fresh = CompletableFuture.supplyAsync(() -> jdbc.sql("""
                INSERT INTO phone_reputation AS p (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at)
                VALUES (?, ?, ?, 'scored', 1, now())
                ON CONFLICT (number_hash) DO UPDATE SET spam_score = 1, checked_at = now()""")
                .params(expired.hash(), expired.ciphertext(), expired.last4()).update());
        await().atMost(Duration.ofSeconds(10)).until(this::aWriteWaitsForARowLock);
        assertThat(fresh).isNotDone();

        assertThat(silent.completeNext()).isTrue();
        assertThat(silent.completeNext()).isTrue();
        running.get(10, TimeUnit.SECONDS);
        assertThat(fresh.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(jdbc.sql("""
                SELECT spam_score FROM phone_reputation WHERE number_hash = ? AND checked_at > now() - interval '1 hour'""")
                .param(expired.hash()).query(Integer.class).list()).containsExactly(1);
        assertThat(json((String) jobRun(job.today()).get("counts"))).containsEntry("purged_reputation", 1);
    }

    @Test
    void aNightWhoseTriggerNeverWentOutIsTriggeredOnceItsGraceHasPassed() throws Exception {
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);
        LocalDate today = job.today();
        Instant due = today.atTime(2, 0).toInstant(java.time.ZoneOffset.UTC);
        NightlyScheduler scheduler = scheduler(producer, job, "0 0 2 * * *");

        scheduler.catchUp(due.plus(NightlyScheduler.GRACE).minusSeconds(1));
        assertThat(producer.history()).as("within the grace: the cron's own trigger may be on its way").isEmpty();

        scheduler.catchUp(due.plus(NightlyScheduler.GRACE).plusSeconds(1));
        assertThat(sentTo(producer, Topics.Names.ARCHIVE_TRIGGERS)).singleElement().satisfies(record -> {
            MaintenanceTrigger trigger = (MaintenanceTrigger) record.value();
            assertThat(trigger.jobDate()).isEqualTo(today);
            assertThat(trigger.requestedBy()).isEqualTo("scheduler (caught up)");
        });

        // The trigger sent may be waiting its turn on the topic: not another every ten minutes.
        scheduler.catchUp(due.plus(NightlyScheduler.GRACE).plus(NightlyScheduler.CATCH_UP_EVERY).plusSeconds(1));
        assertThat(sentTo(producer, Topics.Names.ARCHIVE_TRIGGERS)).hasSize(1);
        scheduler.catchUp(due.plus(NightlyScheduler.GRACE).plus(NightlyScheduler.CATCH_UP_AGAIN_AFTER).plusSeconds(2));
        assertThat(sentTo(producer, Topics.Names.ARCHIVE_TRIGGERS)).as("an hour on, unstarted: sent again").hasSize(2);

        // Once the date's job has started, nothing more is sent; nor with the scheduler turned off.
        producer.clear();
        job.run(trigger(today));
        producer.clear();
        scheduler.catchUp(due.plus(Duration.ofHours(3)));
        scheduler(producer, job, "-").catchUp(due.plus(Duration.ofHours(3)));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aCronThatDoesNotFireTodayIsNotCaughtUp() throws Exception {
        MockProducer<String, Object> producer = producer(true);
        NightlyJob job = job(producer);
        LocalDate today = job.today();
        String otherDay = "0 0 2 " + today.plusDays(1).getDayOfMonth() + " " + today.plusDays(1).getMonthValue() + " *";

        scheduler(producer, job, otherDay).catchUp(today.atTime(23, 59).toInstant(java.time.ZoneOffset.UTC));
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aCronTimeInTheSpringForwardGapIsDueWhenTheGapEnds() {
        ZoneId newYork = ZoneId.of("America/New_York");
        CronExpression twoAm = CronExpression.parse("0 0 2 * * *");

        // 2026-03-08: 02:00 does not exist in New York (the clocks go from 01:59:59 to 03:00).
        assertThat(NightlyScheduler.dueOn(twoAm, LocalDate.parse("2026-03-08"), newYork))
                .isEqualTo(ZonedDateTime.parse("2026-03-08T03:00-04:00[America/New_York]"));
        assertThat(NightlyScheduler.dueOn(twoAm, LocalDate.parse("2026-03-09"), newYork))
                .isEqualTo(ZonedDateTime.parse("2026-03-09T02:00-04:00[America/New_York]"));
        // A cron of other days is not due on this one.
        assertThat(NightlyScheduler.dueOn(CronExpression.parse("0 0 2 * * MON"), LocalDate.parse("2026-03-08"),
                newYork)).isNull();
    }

    private NightlyScheduler scheduler(MockProducer<String, Object> producer, NightlyJob job, String cron) {
        Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("spamcheck.nightly.cron", cron)));
        return new NightlyScheduler(new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer))),
                job, new JobRuns(jdbc), binder.bindOrCreate("spamcheck", ArchiverProperties.class),
                binder.bindOrCreate("spamcheck", SpamcheckProperties.class));
    }

    private boolean aWriteWaitsForARowLock() {
        return jdbc.sql("""
                SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND query LIKE 'INSERT INTO phone_reputation%'""").query(Long.class).single() == 1;
    }

    private static CompletableFuture<Void> started(NightlyJob job, LocalDate date) {
        return CompletableFuture.runAsync(() -> {
            try {
                job.run(trigger(date));
            }
            catch (Exception ex) {
                throw new CompletionException(ex);
            }
        });
    }

    private NightlyJob job(MockProducer<String, Object> producer) {
        return job(producer, Map.of());
    }

    private NightlyJob job(MockProducer<String, Object> producer, Map<String, String> more) {
        Map<String, String> settings = new java.util.HashMap<>(more);
        settings.put("spamcheck.archive.batch-size", "1");
        Binder binder = new Binder(new MapConfigurationPropertySource(settings));
        ArchiverProperties properties = binder.bindOrCreate("spamcheck", ArchiverProperties.class);
        SpamcheckProperties shared = binder.bindOrCreate("spamcheck", SpamcheckProperties.class);
        TopicSender kafka = new TopicSender(new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)));
        MaintenanceLifecycle lifecycle = new MaintenanceLifecycle();
        lifecycle.start();
        return new NightlyJob(DATABASE, jdbc, new JobRuns(jdbc), new MaintenanceQueries(jdbc),
                new ResultTombstones(kafka), kafka, new TransactionTemplate(new JdbcTransactionManager(DATABASE)),
                properties, shared, lifecycle, meters);
    }

    /** A producer whose records stay inspectable: the template closes its producer after every send. */
    private static MockProducer<String, Object> producer(boolean acknowledge) {
        Serializer<Object> json = (topic, value) -> value == null ? null
                : MessageCodec.encode(value).getBytes(StandardCharsets.UTF_8);
        return new MockProducer<>(acknowledge, null, new StringSerializer(), json) {
            @Override
            public void close(Duration timeout) {
            }

            @Override
            public void close() {
            }
        };
    }

    private static List<ProducerRecord<String, Object>> sentTo(MockProducer<String, Object> producer, String topic) {
        return producer.history().stream().filter(record -> record.topic().equals(topic)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String counts) {
        return MessageCodec.mapper().readValue(counts, Map.class);
    }

    private static MaintenanceTrigger trigger(LocalDate date) {
        return MaintenanceTrigger.nightly(UUID.randomUUID().toString(), date, Instant.now(), "test");
    }

    private Map<String, Object> jobRun(LocalDate date) {
        return jdbc.sql("SELECT status, phase, error, finished_at, counts::text AS counts FROM job_runs WHERE job_date = ?")
                .param(date).query().singleRow();
    }

    private ProtectedNumber reputation(String e164, int score, String checkedAgo, String requestedAgo) {
        ProtectedNumber number = protection.protect(e164);
        jdbc.sql("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at,
                       last_requested_at)
                VALUES (?, ?, ?, 'scored', ?, now() - CAST(? AS interval), now() - CAST(? AS interval))""")
                .params(number.hash(), number.ciphertext(), number.last4(), score, checkedAgo, requestedAgo)
                .update();
        return number;
    }

    private long result(String ago) {
        return jdbc.sql("""
                INSERT INTO lookup_results (request_id, number_hash, last4, origin, outcome, spam_score, checked_at)
                VALUES (?, ?, '0123', 'interactive', 'scored', 0, now() - CAST(? AS interval)) RETURNING id""")
                .params(UUID.randomUUID(), "ab".repeat(32), ago).query(Long.class).single();
    }

    private void history(long id, String ago) {
        jdbc.sql("""
                INSERT INTO lookup_history (id, request_id, number_hash, last4, origin, outcome, spam_score, checked_at)
                VALUES (?, ?, ?, '0123', 'interactive', 'scored', 0, now() - CAST(? AS interval))""")
                .params(id, UUID.randomUUID(), "cd".repeat(32), ago).update();
    }

    private void webhook(String id, String deletedAgo) {
        jdbc.sql("""
                INSERT INTO webhook_subscriptions (id, url, events, secret_ciphertext, created_by, deleted_at, deleted_by)
                VALUES (?, 'https://hooks.example.test/x', '{number.flagged}', CASE WHEN CAST(? AS text) IS NULL THEN 'sealed' END,
                        'admin:tok_000000000000', now() - CAST(? AS interval), 'admin:tok_000000000000')""")
                .params(id, deletedAgo, deletedAgo).update();
    }

    /** A lookup claim whose lease ran out {@code lapsedAgo} ago (negative: still held). */
    private void claim(String hashPrefix, String lapsedAgo) {
        jdbc.sql("""
                INSERT INTO lookup_claims (number_hash, claimed_until, owner, bulk)
                VALUES (?, now() - CAST(? AS interval), gen_random_uuid(), false)""")
                .params(hashPrefix.repeat(32), lapsedAgo).update();
    }

    private void token(String id, String revokedAgo) {
        jdbc.sql("""
                INSERT INTO api_tokens (id, token_hash, name, role, revoked_at)
                VALUES (?, sha256(convert_to(?, 'UTF8')), 'caller', 'lookup', now() - CAST(? AS interval))""")
                .params(id, id, revokedAgo).update();
    }

    private long pendingDelivery(String subscription) {
        return jdbc.sql("""
                INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, occurred_at, number_hash,
                       number_last4, number_ciphertext, spam_score, checked_at)
                VALUES (?, gen_random_uuid()::text, 'number.flagged', now(), ?, '0123', 'v1.a.x', 1, now())
                RETURNING id""").params(subscription, "ab".repeat(32)).query(Long.class).single();
    }

    private UUID audit(String ago) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                INSERT INTO audit_log (request_id, occurred_at, client_ip, method, path, outcome, http_status, latency_ms)
                VALUES (?, now() - CAST(? AS interval), '203.0.113.7', 'POST', '/api/v1/lookup', 'scored', 200, 5)""")
                .params(id, ago).update();
        return id;
    }
}
