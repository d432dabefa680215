package dev.spamcheck.archiver.replay;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.SessionLocks;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Rebuilds {@code phone_reputation} from the compacted results topic, with no Twilio call (run by
 * {@link ReplayResultsCommand}). Reads every partition from the beginning to its current end and
 * keeps, per number, the newest definitive answer (of two with the same check time, the later on
 * the topic: key rotation republishes an answer under the new key); an answer already newer in the
 * table is left alone, so replaying twice changes nothing. A tombstone (the number was purged)
 * deletes what the table holds for the number from before it, so replay never brings a purged
 * number back; a record no reader understands is skipped. An answer to an interactive request marks
 * the number as requested when it was checked, for the nightly re-check. Kafka and the database are
 * reached with the archiver's own {@code spring.kafka.*} and datasource settings (TLS, SASL).
 */
@Component
public class ResultsReplay {

    private final ConsumerFactory<Object, Object> consumers;
    private final JdbcClient jdbc;
    private final DataSource dataSource;

    ResultsReplay(ConsumerFactory<Object, Object> consumers, JdbcClient jdbc, DataSource dataSource) {
        this.consumers = consumers;
        this.jdbc = jdbc;
        this.dataSource = dataSource;
    }

    /**
     * @param read records read
     * @param applied answers written to phone_reputation
     * @param removed purged numbers removed from phone_reputation
     */
    public record Report(long read, long applied, long removed) {
    }

    /**
     * Refuses to run, with {@link IllegalStateException}, while a key rotation or a nightly purge
     * runs ({@link SessionLocks#KEY_ROTATION} says why), and keeps them from starting until it is done.
     */
    public Report run() {
        Connection lock;
        try {
            lock = dataSource.getConnection();
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot reach the database: " + ex.getSQLState(), ex);
        }
        boolean locked = false;
        try {
            locked = SessionLocks.tryLock(lock, SessionLocks.KEY_ROTATION);
            if (!locked) {
                throw new IllegalStateException(
                        "A key rotation or a nightly purge is running; replay once it has ended");
            }
            return replay();
        }
        finally {
            SessionLocks.release(lock, SessionLocks.KEY_ROTATION, locked);
        }
    }

    private Report replay() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long read = 0;
        long applied = 0;
        long removed = 0;
        try (Consumer<Object, Object> consumer = consumers.createConsumer(null, "spamcheck-replay", null, overrides)) {
            String topic = Topics.LOOKUP_RESULTS.name();
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<Object, Object> record : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    if (record.value() instanceof LookupResult result) {
                        applied += apply(result);
                    }
                    else if (record.value() == null && DeadLetters.unreadable(record) == null) {
                        removed += purge((String) record.key(), record.timestamp());
                    }
                }
            }
        }
        return new Report(read, applied, removed);
    }

    private int apply(LookupResult result) {
        if (!result.isDefinitive()) {
            return 0;
        }
        return jdbc.sql("""
                INSERT INTO phone_reputation AS p
                       (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at, last_requested_at,
                        risk, sources)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))
                ON CONFLICT (number_hash) DO UPDATE
                   SET number_ciphertext = EXCLUDED.number_ciphertext, outcome = EXCLUDED.outcome,
                       spam_score = EXCLUDED.spam_score, checked_at = EXCLUDED.checked_at,
                       risk = EXCLUDED.risk, sources = EXCLUDED.sources,
                       last_requested_at = greatest(p.last_requested_at, EXCLUDED.last_requested_at)
                 WHERE p.checked_at <= EXCLUDED.checked_at""")
                .param(1, result.numberHash())
                .param(2, result.numberCiphertext())
                .param(3, result.last4())
                .param(4, result.outcome() == LookupResult.Outcome.SCORED ? "scored" : "not_found")
                .param(5, result.spamScore() == null ? null : result.spamScore().shortValue(), Types.SMALLINT)
                .param(6, Timestamp.from(result.checkedAt()))
                // Re-checks and prewarm do not make a number requested (see V3__nightly_jobs.sql).
                .param(7, result.origin() == LookupRequest.Origin.INTERACTIVE ? Timestamp.from(result.checkedAt())
                        : null, Types.TIMESTAMP)
                .param(8, result.risk() == null ? null : result.risk().shortValue(), Types.SMALLINT)
                .param(9, SourceVerdict.toJson(result.sources()), Types.VARCHAR)
                .update();
    }

    private int purge(String numberHash, long purgedAt) {
        return jdbc.sql("DELETE FROM phone_reputation WHERE number_hash = CAST(? AS bpchar) AND checked_at < ?")
                .param(numberHash)
                .param(new Timestamp(purgedAt))
                .update();
    }
}
