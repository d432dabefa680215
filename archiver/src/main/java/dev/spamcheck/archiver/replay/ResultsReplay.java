package dev.spamcheck.archiver.replay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.spamcheck.schemas.db.DatabaseConnection;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * {@code java -jar archiver.jar replay-results}: rebuilds {@code phone_reputation} from the
 * compacted {@link Topics#LOOKUP_RESULTS} topic, with no Twilio call. Reads every partition from
 * the beginning to its current end and keeps, per number, the newest definitive answer (of two
 * with the same check time, the later on the topic: key rotation republishes an answer under the
 * new key); an answer already newer in the table is left alone, so replaying twice changes nothing. A tombstone (the
 * number was purged) deletes what the table holds for the number from before it, so replay never
 * brings a purged number back. An answer to an interactive request marks the number as requested
 * when it was checked, for the nightly re-check.
 */
public final class ResultsReplay {

    /**
     * @param read records read
     * @param applied answers written to phone_reputation
     * @param removed purged numbers removed from phone_reputation
     */
    public record Report(long read, long applied, long removed) {
    }

    private ResultsReplay() {
    }

    public static int main(Map<String, String> env) {
        String jdbcUrl = DatabaseConnection.from(env::get).sessionJdbcUrl();
        try {
            Report report = run(env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"), jdbcUrl,
                    env.getOrDefault("SPAMCHECK_DB_USER", "spamcheck"), env.getOrDefault("SPAMCHECK_DB_PASSWORD", ""));
            System.out.println("Replayed " + report.read() + " lookup results; " + report.applied()
                    + " cached answers written to phone_reputation, " + report.removed() + " purged numbers removed.");
            return 0;
        }
        catch (Exception ex) {
            System.err.println("replay-results: " + ex.getMessage());
            return 1;
        }
    }

    public static Report run(String bootstrapServers, String jdbcUrl, String user, String password) throws SQLException {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        MessageCodec codec = new MessageCodec();
        long read = 0;
        long applied = 0;
        long removed = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer());
                Connection db = DriverManager.getConnection(jdbcUrl, user, password);
                PreparedStatement upsert = db.prepareStatement("""
                        INSERT INTO phone_reputation AS p
                               (number_hash, number_ciphertext, last4, outcome, spam_score, checked_at,
                                last_requested_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (number_hash) DO UPDATE
                           SET number_ciphertext = EXCLUDED.number_ciphertext, outcome = EXCLUDED.outcome,
                               spam_score = EXCLUDED.spam_score, checked_at = EXCLUDED.checked_at,
                               last_requested_at = greatest(p.last_requested_at, EXCLUDED.last_requested_at)
                         WHERE p.checked_at <= EXCLUDED.checked_at""");
                PreparedStatement purge = db.prepareStatement(
                        "DELETE FROM phone_reputation WHERE number_hash = CAST(? AS bpchar) AND checked_at < ?")) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.LOOKUP_RESULTS).stream()
                    .map(info -> new TopicPartition(Topics.LOOKUP_RESULTS, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    if (record.value() == null) {
                        purge.setString(1, record.key());
                        purge.setTimestamp(2, new Timestamp(record.timestamp()));
                        removed += purge.executeUpdate();
                        continue;
                    }
                    LookupResult result;
                    try {
                        result = codec.decode(record.value(), LookupResult.class);
                    }
                    catch (MessageCodec.MalformedMessageException ex) {
                        continue;
                    }
                    if (!result.isDefinitive()) {
                        continue;
                    }
                    upsert.setString(1, result.numberHash());
                    upsert.setString(2, result.numberCiphertext());
                    upsert.setString(3, result.last4());
                    upsert.setString(4, result.outcome() == LookupResult.Outcome.SCORED ? "scored" : "not_found");
                    if (result.spamScore() == null) {
                        upsert.setNull(5, Types.SMALLINT);
                    }
                    else {
                        upsert.setShort(5, result.spamScore().shortValue());
                    }
                    upsert.setTimestamp(6, Timestamp.from(result.checkedAt()));
                    // Re-checks and prewarm do not make a number requested (see V3__nightly_jobs.sql).
                    upsert.setTimestamp(7, result.origin() == LookupRequest.Origin.INTERACTIVE
                            ? Timestamp.from(result.checkedAt()) : null);
                    applied += upsert.executeUpdate();
                }
            }
        }
        return new Report(read, applied, removed);
    }

}
