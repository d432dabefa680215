package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.archiver.replay.ReplayResultsCommand;
import dev.spamcheck.archiver.replay.ResultsReplay;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.JsonNode;

/**
 * What the system keeps about a number, and for how long: a purge reaches Kafka too, activity
 * counts cache hits, and a nightly job that fails says why and finishes later on its own. Each
 * test that runs the job uses a past date of its own.
 */
class DataLifecycleSystemTest {

    @Test
    void aPurgedNumberIsTombstonedOnTheResultsTopicAndReplayDoesNotBringItBack() throws Exception {
        String purged = TestStack.uniqueNumber("0123");
        String kept = TestStack.uniqueNumber("0042");
        assertThat(TestStack.lookUp(purged).statusCode()).isEqualTo(200);
        assertThat(TestStack.lookUp(kept).statusCode()).isEqualTo(200);
        String purgedHash = TestStack.protection().hash(purged);
        String keptHash = TestStack.protection().hash(kept);
        execute("UPDATE phone_reputation SET checked_at = now() - interval '366 days', "
                + "last_requested_at = now() - interval '366 days' WHERE number_hash = ?", purgedHash);

        JsonNode job = NightlyJobs.run(LocalDate.of(2001, 5, 1));

        assertThat(job.get("counts").get("purged_reputation").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(count("SELECT count(*) FROM phone_reputation WHERE number_hash = ?", purgedHash)).isZero();
        List<ConsumerRecord<String, String>> results = TopicContents.read(Topics.LOOKUP_RESULTS.name());
        Map<String, String> latest = TopicContents.latestByKey(results);
        assertThat(results).anyMatch(r -> r.key().equals(purgedHash) && r.value() != null);
        assertThat(latest).containsEntry(purgedHash, null).containsEntry(purgedHash + ":unavailable", null);
        assertThat(latest.get(keptHash)).isNotNull();

        ResultsReplay.Report replay = ReplayResultsCommand.replay(TestStack.get().archiverCommandLine());

        assertThat(replay.removed()).isGreaterThanOrEqualTo(1);
        assertThat(count("SELECT count(*) FROM phone_reputation WHERE number_hash = ?", purgedHash)).isZero();
        assertThat(count("SELECT count(*) FROM phone_reputation WHERE number_hash = ?", keptHash)).isEqualTo(1);
    }

    @Test
    void aNumberLookedUpAgainAfterItsPurgeIsReplayedButThePurgedAnswerIsNot() throws Exception {
        String returning = TestStack.uniqueNumber("0123");
        assertThat(TestStack.lookUp(returning).statusCode()).isEqualTo(200);
        String hash = TestStack.protection().hash(returning);
        execute("UPDATE phone_reputation SET checked_at = now() - interval '366 days', "
                + "last_requested_at = now() - interval '366 days' WHERE number_hash = ?", hash);
        NightlyJobs.run(LocalDate.of(2001, 5, 2));
        assertThat(TestStack.lookUp(returning).statusCode()).isEqualTo(200);
        assertThat(TestStack.get().twilio().callsFor(returning)).isEqualTo(2);
        java.sql.Timestamp checkedAgain = timestamp("SELECT checked_at FROM phone_reputation WHERE number_hash = ?", hash);
        execute("DELETE FROM phone_reputation WHERE number_hash = ?", hash);

        ReplayResultsCommand.replay(TestStack.get().archiverCommandLine());

        assertThat(timestamp("SELECT checked_at FROM phone_reputation WHERE number_hash = ?", hash)).isEqualTo(checkedAgain);
        // Replay marks an interactive answer as requested when it was checked.
        assertThat(timestamp("SELECT last_requested_at FROM phone_reputation WHERE number_hash = ?", hash))
                .isEqualTo(checkedAgain);
    }

    @Test
    void aNumberAnsweredOnlyFromTheCacheStaysActiveForTheNightlyRecheck() throws Exception {
        String busy = TestStack.uniqueNumber("0123");
        String forgotten = TestStack.uniqueNumber("0123");
        for (String number : List.of(busy, forgotten)) {
            assertThat(TestStack.lookUp(number).statusCode()).isEqualTo(200);
            String hash = TestStack.protection().hash(number);
            // Its one paid lookup was long ago; since then it was only answered from the cache.
            execute("UPDATE phone_reputation SET checked_at = now(), last_requested_at = now() - interval '40 days' "
                    + "WHERE number_hash = ?", hash);
            assertThat(TestStack.lookUp(number).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> count(
                    "SELECT count(*) FROM phone_reputation WHERE number_hash = ? AND last_requested_at > now() - interval '1 minute'",
                    hash) == 1);
        }
        assertThat(TestStack.get().twilio().callsFor(busy)).isEqualTo(1);
        ageBy(busy, "29 days");
        ageBy(forgotten, "31 days");

        NightlyJobs.run(LocalDate.of(2001, 5, 3));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> count("SELECT count(*) FROM phone_reputation WHERE number_hash = ? "
                        + "AND checked_at > now() - interval '1 hour'", TestStack.protection().hash(busy)) == 1);
        assertThat(TestStack.get().twilio().callsFor(busy)).isEqualTo(2);
        assertThat(TestStack.get().twilio().callsFor(forgotten)).isEqualTo(1);
    }

    @Test
    void aJobDateInTheFutureIsRefused() {
        HttpResponse<String> response = AdminApi.post("/api/v1/admin/jobs/nightly",
                "{\"job_date\": \"" + LocalDate.now().plusDays(2) + "\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(TestStack.json(response).get("code").asString()).isEqualTo("invalid_request");
        assertThat(TestStack.json(response).get("detail").asString()).contains("must not be after today");
    }

    @Test
    void aJobThatFailsSaysWhyAndFinishesOnItsOwnOnceTheCauseIsGone() throws Exception {
        LocalDate date = LocalDate.of(2001, 5, 4);
        ConfigurableApplicationContext shared = TestStack.get().archivers().get(0);
        shared.close();
        ConfigurableApplicationContext archiver = TestStack.get().startArchiver(Map.of(
                "spamcheck.nightly.retry-initial-interval", "PT0.2S", "spamcheck.nightly.retry-max-interval", "PT1S"));
        try {
            execute("ALTER TABLE lookup_history RENAME TO lookup_history_away");
            try {
                NightlyJobs.trigger(date);
                JsonNode failed = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                        .until(() -> NightlyJobs.statusOrNull(date),
                                job -> job != null && "failed".equals(job.get("status").asString()));
                assertThat(failed.get("error").asString()).contains("lookup_history").contains("does not exist");
                assertThat(failed.get("phase").asString()).isEqualTo("archive");
                assertThat(Prometheus.value(archiver, "spamcheck_nightly_job_failures_total")).isGreaterThanOrEqualTo(1);
            }
            finally {
                execute("ALTER TABLE lookup_history_away RENAME TO lookup_history");
            }
            JsonNode done = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> NightlyJobs.statusOrNull(date), job -> "completed".equals(job.get("status").asString()));
            assertThat(done.has("error")).isFalse();
        }
        finally {
            archiver.close();
            TestStack.get().startArchiver();
        }
    }

    @Test
    void rechecksKafkaDidNotAcknowledgeAreNotCountedAndAreSentAgain() throws Exception {
        LocalDate date = LocalDate.of(2001, 5, 5);
        String due = TestStack.uniqueNumber("0123");
        ProtectedNumber number = TestStack.protection().protect(due);
        execute("""
                INSERT INTO phone_reputation (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at,
                                              last_requested_at)
                VALUES (?, ?, ?, 'scored', 0, now() - interval '2 days', now() - interval '1 day')""",
                number.hash(), number.ciphertext(), number.last4());
        ConfigurableApplicationContext shared = TestStack.get().archivers().get(0);
        shared.close();
        // Kafka refuses every re-check this archiver sends: each is larger than it may send.
        ConfigurableApplicationContext refused = TestStack.get().startArchiver(Map.of(
                "spring.kafka.producer.properties.max.request.size", "200"));
        try {
            NightlyJobs.trigger(date);
            JsonNode failed = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> NightlyJobs.statusOrNull(date),
                            job -> job != null && "failed".equals(job.get("status").asString()));
            assertThat(failed.get("error").asString()).contains("not acknowledged by Kafka")
                    .contains("RecordTooLargeException");
            assertThat(failed.get("phase").asString()).isEqualTo("recheck");
            assertThat(failed.get("counts").get("rechecks_queued").asInt()).as("none taken by Kafka").isZero();
        }
        finally {
            refused.close();
            TestStack.get().startArchiver();
        }

        JsonNode done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> NightlyJobs.statusOrNull(date), job -> "completed".equals(job.get("status").asString()));
        assertThat(done.get("counts").get("rechecks_queued").asInt()).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> count("SELECT count(*) FROM phone_reputation WHERE number_hash = ? "
                        + "AND checked_at > now() - interval '1 hour'", number.hash()) == 1);
        assertThat(TestStack.get().twilio().callsFor(due)).isEqualTo(1);
    }

    /** Moves the number's check and last request back in time. */
    private static void ageBy(String number, String interval) throws Exception {
        execute("UPDATE phone_reputation SET checked_at = checked_at - ?::interval, "
                + "last_requested_at = last_requested_at - ?::interval WHERE number_hash = ?", interval, interval,
                TestStack.protection().hash(number));
    }

    private static void execute(String sql, Object... parameters) throws Exception {
        try (Connection db = TestStack.database(); PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.execute();
        }
    }

    private static java.sql.Timestamp timestamp(String sql, Object... parameters) throws Exception {
        try (Connection db = TestStack.database(); PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? result.getTimestamp(1) : null;
            }
        }
    }

    private static long count(String sql, Object... parameters) throws Exception {
        try (Connection db = TestStack.database(); PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet result = statement.executeQuery()) {
                return result.next() ? result.getLong(1) : 0;
            }
        }
    }
}
