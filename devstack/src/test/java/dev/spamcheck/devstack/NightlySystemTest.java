package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.config.CronTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;

import dev.spamcheck.archiver.replay.ReplayResultsCommand;
import dev.spamcheck.archiver.replay.ResultsReplay;
import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.JsonNode;

/**
 * The nightly job on real data: exactly the eligible numbers are re-checked, exactly the old rows
 * archived and the expired ones purged; a date's job runs once; a stopped job resumes without
 * losing or duplicating a row; and the cache can be rebuilt from the results topic for free.
 * Each test uses a job date of its own, long past (a future one is refused), so the scheduler cannot interfere.
 */
class NightlySystemTest {

    @Test
    void aNightlyRunDoesExactlyWhatIsDueAndReportsIt() throws Exception {
        NumberProtection protection = TestStack.protection();
        String turnedSpam = TestStack.uniqueNumber("0042");
        String longInactive = TestStack.uniqueNumber("0123");
        String knownSpam = TestStack.uniqueNumber("0077");
        reputation(protection.protect(turnedSpam), 0, "2 days", "1 day");
        reputation(protection.protect(longInactive), 0, "2 days", "40 days");
        reputation(protection.protect(knownSpam), 1, "2 days", "1 day");
        List<Long> old = results(protection.protect(turnedSpam), "31 days", 3);
        List<Long> recent = results(protection.protect(turnedSpam), "29 days", 2);
        List<Long> expired = history(protection.protect(longInactive), "366 days", 2);
        List<Long> kept = history(protection.protect(longInactive), "364 days", 1);
        List<String> expiredAudit = audit("366 days", 2);
        List<String> keptAudit = audit("364 days", 1);

        JsonNode job = NightlyJobs.run(LocalDate.of(2001, 1, 1));

        // The counts take in what other test classes left in this shared database too (their
        // forks' order is not fixed): at least these rows; NightlyJobTest checks them exactly.
        JsonNode counts = job.get("counts");
        int rechecks = counts.get("rechecks_queued").asInt();
        assertThat(rechecks).isGreaterThanOrEqualTo(1);
        assertThat(new BigDecimal(counts.get("recheck_cost_usd").asString()))
                .isEqualByComparingTo(new BigDecimal("0.008").multiply(BigDecimal.valueOf(rechecks)));
        assertThat(counts.get("archived").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(counts.get("purged_history").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(counts.get("purged_audit").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(inTable("lookup_results", "id", old)).isZero();
        assertThat(inTable("lookup_history", "id", old)).isEqualTo(3);
        assertThat(inTable("lookup_results", "id", recent)).isEqualTo(2);
        assertThat(inTable("lookup_history", "id", expired)).isZero();
        assertThat(inTable("lookup_history", "id", kept)).isEqualTo(1);
        assertThat(inTable("audit_log", "request_id::text", expiredAudit)).isZero();
        assertThat(inTable("audit_log", "request_id::text", keptAudit)).isEqualTo(1);

        // The re-check went through the prewarm path: the number that turned spam is now 1.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> score(protection.hash(turnedSpam)) == 1);
        assertThat(TestStack.get().twilio().callsFor(turnedSpam)).isEqualTo(1);
        assertThat(TestStack.get().twilio().callsFor(longInactive)).isZero();
        assertThat(TestStack.get().twilio().callsFor(knownSpam)).isZero();
    }

    @Test
    void aDateRunsOnceHoweverOftenAndByWhomeverItIsTriggered() throws Exception {
        LocalDate date = LocalDate.of(2001, 2, 1);
        ConfigurableApplicationContext second = TestStack.get().startArchiver();
        try {
            JsonNode first = NightlyJobs.run(date);
            // Rows a second run would archive: they must stay where they are.
            List<Long> later = results(TestStack.protection().protect(TestStack.uniqueNumber("0123")), "40 days", 2);

            NightlyJobs.trigger(date);
            NightlyJobs.trigger(date);
            awaitTriggersConsumed();
            JsonNode again = NightlyJobs.status(date);

            assertThat(inTable("lookup_results", "id", later)).isEqualTo(2);
            assertThat(again.get("counts")).isEqualTo(first.get("counts"));
            assertThat(again.get("finished_at")).isEqualTo(first.get("finished_at"));
            assertThat(count("SELECT count(*) FROM job_runs WHERE job_date = '" + date + "'")).isEqualTo(1);
        }
        finally {
            second.close();
        }
    }

    @Test
    void aJobStoppedBetweenBatchesResumesWithoutLosingOrDuplicatingARow() throws Exception {
        LocalDate date = LocalDate.of(2001, 3, 1);
        List<Long> old = results(TestStack.protection().protect(TestStack.uniqueNumber("0123")), "35 days", 10);
        // With these, whatever other tests left due in this shared database (see the first test).
        long due = count("SELECT count(*) FROM lookup_results WHERE checked_at < now() - interval '30 days'");
        ConfigurableApplicationContext shared = TestStack.get().archivers().get(0);
        shared.close();
        ConfigurableApplicationContext slow = TestStack.get().startArchiver(Map.of(
                "spamcheck.archive.batch-size", "2", "spamcheck.archive.pause-between-batches", "PT0.5S"));
        try {
            NightlyJobs.trigger(date);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> count("SELECT coalesce((counts->>'archived')::int, 0) FROM job_runs WHERE job_date = '"
                            + date + "'") >= 2);
            slow.close();

            assertThat(inTable("lookup_results", "id", old) + inTable("lookup_history", "id", old)).isEqualTo(10);
            assertThat(count("SELECT count(*) FROM job_runs WHERE job_date = '" + date + "' AND status = 'running'"))
                    .isEqualTo(1);
        }
        finally {
            slow.close();
            TestStack.get().startArchiver();
        }
        JsonNode resumed = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> NightlyJobs.statusOrNull(date), job -> job != null && "completed".equals(job.get("status").asString()));

        assertThat(inTable("lookup_results", "id", old)).isZero();
        assertThat(inTable("lookup_history", "id", old)).isEqualTo(10);
        assertThat(resumed.get("counts").get("archived").asLong()).as("each row counted once").isEqualTo(due);
    }

    @Test
    void theCacheCanBeRebuiltFromTheResultsTopicWithoutTwilio() throws Exception {
        List<String> numbers = List.of(TestStack.uniqueNumber("0042"), TestStack.uniqueNumber("0123"),
                TestStack.uniqueNumber("4040"));
        List<String> answers = new java.util.ArrayList<>();
        for (String number : numbers) {
            answers.add(answer(TestStack.lookUp(number)));
        }
        long callsBefore = TestStack.get().twilio().totalCalls();
        try (Connection db = TestStack.database(); Statement statement = db.createStatement()) {
            statement.execute("TRUNCATE phone_reputation");
        }

        // Not while a key rotation or a nightly purge runs: it would write rows back under the key
        // being retired, or bring back a number being purged.
        try (Connection rotation = TestStack.database(); Statement statement = rotation.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(hashtext('spamcheck.key-rotation'))");
            assertThatThrownBy(() -> ReplayResultsCommand.replay(TestStack.get().archiverCommandLine()))
                    .hasMessageContaining("A key rotation or a nightly purge is running");
            assertThat(count("SELECT count(*) FROM phone_reputation")).isZero();
            statement.execute("SELECT pg_advisory_unlock(hashtext('spamcheck.key-rotation'))");
        }

        ResultsReplay.Report report = ReplayResultsCommand.replay(TestStack.get().archiverCommandLine());

        assertThat(report.applied()).isGreaterThanOrEqualTo(numbers.size());
        // Counted before the lookups below: on a busy machine the shared stack's 5 s cache TTL can
        // pass first, and then a lookup rightly asks Twilio again.
        assertThat(TestStack.get().twilio().totalCalls()).as("Twilio calls by the replay").isEqualTo(callsBefore);
        for (String number : numbers) {
            assertThat(count("SELECT count(*) FROM phone_reputation WHERE number_hash = '"
                    + TestStack.protection().hash(number) + "'")).as("replayed row").isEqualTo(1);
        }
        for (int i = 0; i < numbers.size(); i++) {
            assertThat(answer(TestStack.lookUp(numbers.get(i)))).isEqualTo(answers.get(i));
        }
    }

    @Test
    void replayingLookupRequestsPaysNothingForFreshNumbers() throws Exception {
        String number = TestStack.uniqueNumber("0123");
        TestStack.lookUp(number);
        String hash = TestStack.protection().hash(number);
        var requests = TopicContents.read(Topics.LOOKUP_REQUESTS.name()).stream().filter(r -> hash.equals(r.key())).toList();
        assertThat(requests).isNotEmpty();

        Traffic.replay(TestStack.get(), Topics.LOOKUP_REQUESTS.name(), requests);

        long resultsFor = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> TopicContents.read(Topics.LOOKUP_RESULTS.name()).stream().filter(r -> hash.equals(r.key())).count(),
                        n -> n >= 2);
        assertThat(resultsFor).isGreaterThanOrEqualTo(2);
        assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(1);
    }

    @Test
    void everyArchiverSchedulesTheNightlyJobItsCatchUpAndTheKeyMetrics() {
        for (ConfigurableApplicationContext archiver : TestStack.get().archivers()) {
            Set<ScheduledTask> tasks = archiver.getBean(ScheduledTaskHolder.class).getScheduledTasks();
            assertThat(tasks).anySatisfy(task -> {
                assertThat(task.getTask()).isInstanceOfSatisfying(CronTask.class,
                        cron -> assertThat(cron.getExpression()).isEqualTo(TestStack.NIGHTLY_CRON));
                assertThat(task.toString()).endsWith("NightlyScheduler.trigger");
            });
            assertThat(tasks).anySatisfy(task -> assertThat(task.toString()).endsWith("NightlyScheduler.catchUp"));
            assertThat(tasks).anySatisfy(task -> assertThat(task.toString()).endsWith("CiphertextMetrics.refresh"));
        }
    }

    /** Until the archivers have handled every trigger sent so far. */
    private static void awaitTriggersConsumed() {
        java.util.Properties config = new java.util.Properties();
        config.put("bootstrap.servers", TestStack.get().kafkaBootstrapServers());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(config)) {
            var partition = new org.apache.kafka.common.TopicPartition(Topics.ARCHIVE_TRIGGERS.name(), 0);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                long end = admin.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(partition).get().offset();
                var committed = admin.listConsumerGroupOffsets("spamcheck-archiver").partitionsToOffsetAndMetadata()
                        .get().get(partition);
                return committed != null && committed.offset() == end;
            });
        }
    }

    /** What a caller sees: the status and the score or error code. */
    private static String answer(HttpResponse<String> response) {
        JsonNode body = TestStack.json(response);
        return response.statusCode() + " " + (body.has("spam_score") ? body.get("spam_score") : body.get("code"));
    }

    private static void reputation(ProtectedNumber number, int score, String checkedAgo, String requestedAgo)
            throws Exception {
        execute("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at,
                                              last_requested_at)
                VALUES (?, ?, ?, 'scored', ?, now() - ?::interval, now() - ?::interval)""",
                number.hash(), number.ciphertext(), number.last4(), score, checkedAgo, requestedAgo);
    }

    private static List<Long> results(ProtectedNumber number, String ago, int rows) throws Exception {
        return ids("""
                INSERT INTO lookup_results (request_id, number_hash, last4, origin, outcome, spam_score, checked_at)
                SELECT gen_random_uuid(), ?, ?, 'interactive', 'scored', 0, now() - ?::interval
                  FROM generate_series(1, ?) RETURNING id""", number.hash(), number.last4(), ago, rows);
    }

    private static List<Long> history(ProtectedNumber number, String ago, int rows) throws Exception {
        return ids("""
                INSERT INTO lookup_history (id, request_id, number_hash, last4, origin, outcome, spam_score, checked_at)
                SELECT -nextval('lookup_history_test_ids'), gen_random_uuid(), ?, ?, 'interactive', 'scored', 0,
                       now() - ?::interval
                  FROM generate_series(1, ?) RETURNING id""", number.hash(), number.last4(), ago, rows);
    }

    private static List<String> audit(String ago, int rows) throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < rows; i++) {
            String id = UUID.randomUUID().toString();
            TestStack.excuseFromAudit(id);
            execute("""
                    INSERT INTO audit_log (request_id, occurred_at, client_ip, method, path, outcome, http_status, latency_ms)
                    VALUES (?::uuid, now() - ?::interval, '127.0.0.1', 'POST', '/api/v1/spam_score', 'hit', 200, 1)""",
                    id, ago);
            ids.add(id);
        }
        return ids;
    }

    private static List<Long> ids(String sql, Object... parameters) throws Exception {
        try (Connection db = TestStack.database()) {
            db.createStatement().execute("CREATE SEQUENCE IF NOT EXISTS lookup_history_test_ids");
            try (PreparedStatement statement = db.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                List<Long> ids = new java.util.ArrayList<>();
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                    }
                }
                return ids;
            }
        }
    }

    private static void execute(String sql, Object... parameters) throws Exception {
        try (Connection db = TestStack.database(); PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.execute();
        }
    }

    private static long inTable(String table, String column, List<?> ids) throws Exception {
        StringBuilder in = new StringBuilder();
        for (Object id : ids) {
            in.append(in.length() == 0 ? "" : ",").append('\'').append(id).append('\'');
        }
        return count("SELECT count(*) FROM " + table + " WHERE " + column + " IN (" + in + ")");
    }

    private static long count(String sql) throws Exception {
        try (Connection db = TestStack.database(); Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            return result.next() ? result.getLong(1) : 0;
        }
    }

    private static int score(String hash) throws Exception {
        return (int) count("SELECT spam_score FROM phone_reputation WHERE number_hash = '" + hash + "'");
    }
}
