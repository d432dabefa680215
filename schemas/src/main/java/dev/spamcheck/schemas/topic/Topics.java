package dev.spamcheck.schemas.topic;

import static dev.spamcheck.schemas.topic.Service.ARCHIVER;
import static dev.spamcheck.schemas.topic.Service.GATEWAY;
import static dev.spamcheck.schemas.topic.Service.LOOKUP_WORKER;
import static dev.spamcheck.schemas.topic.Service.NOTIFIER;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.kafka.common.config.TopicConfig;

/**
 * The table of spamcheck's Kafka topics: each one typed, with its retention and the services that
 * use it. Every service creates the topics it uses when they are missing (the shared
 * auto-configuration does, from this table), so names, serialization and retention live here only.
 * docs/architecture.md's topic table says the same for operators; {@code TopicsTest} keeps the two alike.
 * <p>
 * Every topic a service reads has a dead-letter topic, {@code <topic>.dlt}: a record no reader can
 * deserialize (or, for audit events, store) is moved there as it arrived, with where it came from
 * in Spring Kafka's {@code kafka_dlt-*} headers, and counted in {@code spamcheck.kafka.dead.letters}.
 */
public final class Topics {

    /** The names, for annotations, which need constants. */
    public static final class Names {
        public static final String LOOKUP_REQUESTS = "spamcheck.lookup.requests";
        public static final String LOOKUP_RESULTS = "spamcheck.lookup.results";
        public static final String LOOKUP_FAILURES = "spamcheck.lookup.failures";
        public static final String LOOKUP_PREWARM = "spamcheck.lookup.prewarm";
        public static final String AUDIT_EVENTS = "spamcheck.audit.events";
        public static final String ARCHIVE_TRIGGERS = "spamcheck.archive.triggers";
        public static final String REPUTATION_CHANGES = "spamcheck.reputation.changes";
        public static final String CAMPAIGN_HEALTH = "spamcheck.campaign.health";
        public static final String STREAMS_INTERNAL_DEAD_LETTERS = "spamcheck.streams.internal.dlt";

        private Names() {
        }
    }

    /** What a topic's name ends in to name its dead-letter topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlt";

    private static final Duration ONE_DAY = Duration.ofDays(1);
    private static final Duration SEVEN_DAYS = Duration.ofDays(7);
    private static final Duration THIRTY_DAYS = Duration.ofDays(30);
    /**
     * The prewarm topics' retention: with segments rolled every 24th of it and the broker's retention
     * check every 5 minutes (its default), a plaintext number is gone within 23 hours.
     */
    private static final Duration PLAINTEXT = Duration.ofHours(22);

    /** Lookup requests from the gateway, keyed by number hash; 7 days. */
    public static final Topic<String, LookupRequest> LOOKUP_REQUESTS = topic(Names.LOOKUP_REQUESTS,
            LookupRequest.class, "lookup-request", deleteAfter(SEVEN_DAYS), Set.of(GATEWAY, LOOKUP_WORKER));

    /**
     * Definitive lookup results (a score, or Twilio does not know the number), keyed by number
     * hash; compacted so the cache can be rebuilt from it, and tombstoned when a number is purged.
     * Segments roll and are compacted at least daily, so a purged number's answer leaves the topic
     * within days, not whenever the log happens to be cleaned. Its tombstone (the hash alone) is kept
     * seven days: every reader must see it to forget the number (the notifier's Streams state, a
     * gateway's view), and one that is down longer than the tombstone lives would keep it for ever.
     * No record is compacted away within a day of being written: a paid answer is often followed
     * by the same answer from the cache (a campaign's prewarm), which the notifier takes for no
     * change, and compacting the paid one first would lose its change for a notifier a few
     * minutes behind when its segment rolled.
     */
    public static final Topic<String, LookupResult> LOOKUP_RESULTS = topic(Names.LOOKUP_RESULTS,
            LookupResult.class, "lookup-result", Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.SEGMENT_MS_CONFIG, millis(ONE_DAY),
                    TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, millis(ONE_DAY),
                    TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, millis(ONE_DAY),
                    TopicConfig.DELETE_RETENTION_MS_CONFIG, millis(SEVEN_DAYS)),
            Set.of(GATEWAY, LOOKUP_WORKER, ARCHIVER, NOTIFIER));

    /** Lookups that found no answer, keyed by number hash: only for the callers waiting; kept one day. */
    public static final Topic<String, LookupResult> LOOKUP_FAILURES = topic(Names.LOOKUP_FAILURES,
            LookupResult.class, "lookup-result", deleteAfter(ONE_DAY), Set.of(GATEWAY, LOOKUP_WORKER));

    /**
     * Bulk prewarm ingress: entries campaign tools write in plaintext, and the archiver's nightly
     * re-checks, protected; the one topic that may hold a number in plaintext, so kept less than a
     * day ({@link #PLAINTEXT}).
     */
    public static final Topic<String, PrewarmEntry> LOOKUP_PREWARM = topic(Names.LOOKUP_PREWARM,
            PrewarmEntry.class, "prewarm-entry", plaintextFor(PLAINTEXT), Set.of(LOOKUP_WORKER, ARCHIVER));

    /** Audit events of every gateway request, without a key (the request id is in the event); 7 days. */
    public static final Topic<String, AuditEvent> AUDIT_EVENTS = topic(Names.AUDIT_EVENTS, AuditEvent.class,
            "audit-event", deleteAfter(SEVEN_DAYS), Set.of(GATEWAY, ARCHIVER, NOTIFIER));

    /** Maintenance triggers, keyed by job date ({@code key-rotation} for rotations); one partition, 7 days. */
    public static final Topic<String, MaintenanceTrigger> ARCHIVE_TRIGGERS = new Topic<>(Names.ARCHIVE_TRIGGERS,
            String.class, MaintenanceTrigger.class, deleteAfter(SEVEN_DAYS), true, Set.of(GATEWAY, ARCHIVER),
            "maintenance-trigger");

    /**
     * A number's definitive spam score changed (or its first answer was flagged), keyed by number
     * hash; written exactly once per change by the notifier's reputation-changes stream processor.
     */
    public static final Topic<String, ReputationChange> REPUTATION_CHANGES = topic(Names.REPUTATION_CHANGES,
            ReputationChange.class, "reputation-change", deleteAfter(SEVEN_DAYS), Set.of(NOTIFIER));

    /**
     * Each campaign's number health, keyed by campaign id; compacted: the latest snapshot per
     * campaign, written by the notifier's stream processor and stored in {@code campaign_health}.
     * Tombstones (a campaign forgotten) are kept seven days, as the results topic's are, so a
     * table writer held up by a long database outage still reads them.
     */
    public static final Topic<String, CampaignHealth> CAMPAIGN_HEALTH = topic(Names.CAMPAIGN_HEALTH,
            CampaignHealth.class, "campaign-health", Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.SEGMENT_MS_CONFIG, millis(ONE_DAY),
                    TopicConfig.DELETE_RETENTION_MS_CONFIG, millis(SEVEN_DAYS)),
            Set.of(NOTIFIER));

    /** Every topic above, in the order of the topic table in docs/architecture.md. */
    public static final List<Topic<String, ?>> ALL = List.of(LOOKUP_REQUESTS, LOOKUP_RESULTS, LOOKUP_FAILURES,
            LOOKUP_PREWARM, AUDIT_EVENTS, ARCHIVE_TRIGGERS, REPUTATION_CHANGES, CAMPAIGN_HEALTH);

    /**
     * The dead-letter topics of the topics a service reads: one partition; 30 days, for an operator to
     * inspect, except the prewarm topic's, which may hold plaintext numbers and so keeps them a day
     * like its source. Declared by the services that read the source, which are the ones that write
     * to it. Last, the one for records of the Streams applications' internal topics
     * ({@link #deadLettersOf}).
     */
    public static final List<Topic<String, byte[]>> DEAD_LETTERS = List.of(
            deadLetters(LOOKUP_REQUESTS, THIRTY_DAYS, LOOKUP_WORKER),
            deadLetters(LOOKUP_RESULTS, THIRTY_DAYS, GATEWAY, NOTIFIER, ARCHIVER),
            deadLetters(LOOKUP_FAILURES, THIRTY_DAYS, GATEWAY),
            new Topic<>(LOOKUP_PREWARM.deadLetterTopic(), String.class, byte[].class, plaintextFor(PLAINTEXT), true,
                    Set.of(LOOKUP_WORKER), null),
            deadLetters(AUDIT_EVENTS, THIRTY_DAYS, ARCHIVER, NOTIFIER),
            deadLetters(ARCHIVE_TRIGGERS, THIRTY_DAYS, ARCHIVER),
            deadLetters(REPUTATION_CHANGES, THIRTY_DAYS, NOTIFIER),
            deadLetters(CAMPAIGN_HEALTH, THIRTY_DAYS, NOTIFIER),
            // The Streams applications' own internal (repartition) topics have no table entry of
            // their own, so no dead-letter topic by name: what they cannot read goes here.
            new Topic<>(Names.STREAMS_INTERNAL_DEAD_LETTERS, String.class, byte[].class, deleteAfter(THIRTY_DAYS),
                    true, Set.of(NOTIFIER), null));

    private Topics() {
    }

    /** The topics, dead letters included, that {@code service} creates when they are missing. */
    public static List<Topic<String, ?>> usedBy(Service service) {
        return all().filter(topic -> topic.services().contains(service)).toList();
    }

    /**
     * Where a record of {@code topic} that cannot be read goes: the topic's own dead-letter topic,
     * or for a topic the table does not name (a Streams application's internal repartition topic,
     * named by the application), {@value Names#STREAMS_INTERNAL_DEAD_LETTERS}, which exists, rather
     * than a {@code <topic>.dlt} that nothing creates.
     */
    public static String deadLettersOf(String topic) {
        String own = topic + DEAD_LETTER_SUFFIX;
        return named(own) != null ? own : Names.STREAMS_INTERNAL_DEAD_LETTERS;
    }

    /** The topic of this name, dead letters included; null when spamcheck has none. */
    public static Topic<String, ?> named(String name) {
        return all().filter(topic -> topic.name().equals(name))
                .findFirst()
                .orElse(null);
    }

    /** Every topic, dead letters included. */
    public static Stream<Topic<String, ?>> all() {
        return Stream.concat(ALL.stream(), DEAD_LETTERS.stream());
    }

    private static <V> Topic<String, V> topic(String name, Class<V> type, String schema, Map<String, String> configs,
            Set<Service> services) {
        return new Topic<>(name, String.class, type, configs, false, services, schema);
    }

    private static Topic<String, byte[]> deadLetters(Topic<String, ?> source, Duration retention, Service... readers) {
        return new Topic<>(source.deadLetterTopic(), String.class, byte[].class, deleteAfter(retention), true,
                Set.of(readers), null);
    }

    /**
     * Records deleted once older than {@code retention}. Kafka deletes whole segments, once their
     * newest record is that old, and rolls a segment only after {@code segment.ms} (a week by
     * default): a topic written to every day would keep its records a week. Segments rolled every
     * 24th of the retention keep a record at most that much longer (plus the broker's retention
     * check interval).
     */
    private static Map<String, String> deleteAfter(Duration retention) {
        return Map.of(TopicConfig.RETENTION_MS_CONFIG, millis(retention),
                TopicConfig.SEGMENT_MS_CONFIG, millis(retention.dividedBy(24)));
    }

    /**
     * {@link #deleteAfter} for records that may hold a plaintext number, timed by the broker as it
     * appends them: by their producer's time, one campaign tool's clock running ahead (or a tool
     * setting timestamps) would keep its whole segment, other tools' numbers in it, past the
     * retention. A dead letter's time starts again as it is moved, so a number read late from the
     * prewarm topic may stay up to twice as long in all.
     */
    private static Map<String, String> plaintextFor(Duration retention) {
        Map<String, String> configs = new HashMap<>(deleteAfter(retention));
        configs.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        return Map.copyOf(configs);
    }

    private static String millis(Duration duration) {
        return String.valueOf(duration.toMillis());
    }
}
