package dev.spamcheck.archiver.archive;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Removes numbers from the compacted {@link Topics#LOOKUP_RESULTS} topic: a tombstone per key,
 * which compaction turns into the removal of every record under it. This is how a purged number
 * leaves Kafka as well as the database.
 */
@Component
class ResultTombstones {

    /**
     * Before failures had a topic of their own they were kept on the results topic under this
     * suffix; their tombstones clear what such a deployment left behind.
     */
    static final String LEGACY_FAILURE_KEY_SUFFIX = ":unavailable";

    private static final long ACK_TIMEOUT_SECONDS = 60;

    private final KafkaTemplate<String, String> kafka;

    ResultTombstones(KafkaTemplate<String, String> kafka) {
        this.kafka = kafka;
    }

    /** Returns once Kafka has acknowledged every tombstone; fails if it did not. */
    void write(List<String> numberHashes) throws Exception {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String hash : numberHashes) {
            sends.add(kafka.send(Topics.LOOKUP_RESULTS, hash, null));
            sends.add(kafka.send(Topics.LOOKUP_RESULTS, hash + LEGACY_FAILURE_KEY_SUFFIX, null));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
