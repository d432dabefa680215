package dev.spamcheck.schemas.topic;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The Kafka topics of spamcheck and how they are created. Every service declares the topics it
 * touches from here, so names and retention live in one place.
 */
public final class Topics {

    /** Lookup requests from the gateway (and re-checks), keyed by number hash. */
    public static final String LOOKUP_REQUESTS = "spamcheck.lookup.requests";

    /**
     * Definitive lookup results (a score, or Twilio does not know the number), keyed by number
     * hash; compacted so the cache can be rebuilt from it, and tombstoned when a number is purged.
     * Segments roll and are compacted at least daily, and tombstones are kept one day, so a purged
     * number's records leave the topic within days, not whenever the log happens to be cleaned.
     */
    public static final String LOOKUP_RESULTS = "spamcheck.lookup.results";

    /** Lookups that found no answer, keyed by number hash: only for the callers waiting; kept one day. */
    public static final String LOOKUP_FAILURES = "spamcheck.lookup.failures";

    /** Bulk prewarm ingress written by campaign tools in plaintext; kept for 24 hours only. */
    public static final String LOOKUP_PREWARM = "spamcheck.lookup.prewarm";

    /** Audit events of every gateway request. */
    public static final String AUDIT_EVENTS = "spamcheck.audit.events";

    /**
     * Audit events the archiver could not store (unreadable, or refused by PostgreSQL), as they
     * arrived, for an operator to inspect; kept 30 days.
     */
    public static final String AUDIT_EVENTS_DLT = "spamcheck.audit.events.dlt";

    /**
     * A number's definitive spam score changed (or its first answer was flagged), keyed by number
     * hash; written exactly once per change by the archiver's reputation-changes stream processor.
     */
    public static final String REPUTATION_CHANGES = "spamcheck.reputation.changes";

    /**
     * Each campaign's number health, keyed by campaign id; compacted: the latest snapshot per
     * campaign, written by the archiver's stream processor and stored in {@code campaign_health}.
     */
    public static final String CAMPAIGN_HEALTH = "spamcheck.campaign.health";

    /** Nightly maintenance triggers, keyed by job date. */
    public static final String ARCHIVE_TRIGGERS = "spamcheck.archive.triggers";

    private static final String SEVEN_DAYS_MS = String.valueOf(7L * 24 * 60 * 60 * 1000);
    private static final String ONE_DAY_MS = String.valueOf(24L * 60 * 60 * 1000);
    private static final String THIRTY_DAYS_MS = String.valueOf(30L * 24 * 60 * 60 * 1000);

    private Topics() {
    }

    /**
     * The topic definitions, created on start-up when missing. The replication factor is left to
     * the broker's {@code default.replication.factor}.
     */
    public static List<NewTopic> definitions(int partitions) {
        return List.of(
                topic(LOOKUP_REQUESTS, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, SEVEN_DAYS_MS)),
                topic(LOOKUP_RESULTS, partitions, Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_MS_CONFIG, ONE_DAY_MS,
                        TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, ONE_DAY_MS,
                        TopicConfig.DELETE_RETENTION_MS_CONFIG, ONE_DAY_MS)),
                topic(LOOKUP_FAILURES, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, ONE_DAY_MS)),
                topic(LOOKUP_PREWARM, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, ONE_DAY_MS)),
                topic(AUDIT_EVENTS, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, SEVEN_DAYS_MS)),
                topic(AUDIT_EVENTS_DLT, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, THIRTY_DAYS_MS)),
                topic(ARCHIVE_TRIGGERS, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, SEVEN_DAYS_MS)),
                topic(REPUTATION_CHANGES, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, SEVEN_DAYS_MS)),
                topic(CAMPAIGN_HEALTH, partitions, Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                        TopicConfig.SEGMENT_MS_CONFIG, ONE_DAY_MS)));
    }

    private static NewTopic topic(String name, int partitions, Map<String, String> configs) {
        return new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
    }
}
