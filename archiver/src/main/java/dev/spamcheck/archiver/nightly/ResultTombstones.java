package dev.spamcheck.archiver.nightly;

import java.time.Duration;
import java.util.List;

import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Removes numbers from the compacted results topic: a tombstone per key,
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

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

    private final TopicSender kafka;

    ResultTombstones(TopicSender kafka) {
        this.kafka = kafka;
    }

    /** Returns once Kafka has acknowledged every tombstone; fails if it did not. */
    void write(List<String> numberHashes) {
        TopicSender.Sends sends = kafka.sends();
        for (String hash : numberHashes) {
            sends.add(Topics.LOOKUP_RESULTS, hash, null);
            sends.add(Topics.LOOKUP_RESULTS, hash + LEGACY_FAILURE_KEY_SUFFIX, null);
        }
        sends.awaitAll(ACK_TIMEOUT);
    }
}
