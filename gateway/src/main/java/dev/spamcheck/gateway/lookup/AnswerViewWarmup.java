package dev.spamcheck.gateway.lookup;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Before a gateway is ready, fills its {@link AnswerView} with every result that can still be
 * fresh: each results partition read from the first record written less than the TTL (and the
 * clock margin) ago up to where the results consumer starts. Run on that consumer's thread before
 * its first poll, so every record read here is applied before any later one: a purge's tombstone
 * can never be overtaken by the answer it removed. When it has read all of it, the view holds
 * every fresh answer from the start. It gives up after {@link #BUDGET} (a topic far larger than
 * expected, Kafka unwell): the gateway then starts with what it has read, PostgreSQL answers the
 * rest, and the view is whole a TTL later, as without it.
 */
@Component
class AnswerViewWarmup {

    private static final Logger log = LoggerFactory.getLogger(AnswerViewWarmup.class);
    /** Well inside the 60 s the gateway waits for its results consumer before it fails to start. */
    static final Duration BUDGET = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final ConsumerFactory<String, LookupResult> consumers;
    private final AnswerView view;
    private final Duration reach;
    private final Duration budget;
    private final Clock clock;

    @Autowired
    AnswerViewWarmup(ConsumerFactory<String, LookupResult> consumers, AnswerView view, SpamcheckProperties shared,
            GatewayProperties properties) {
        this(consumers, view, shared.cacheTtl().plus(properties.answerView().clockMargin()), BUDGET,
                Clock.systemUTC());
    }

    /**
     * @param reach how far back a result's record can be and its answer still fresh
     * @param budget how long it may read
     */
    AnswerViewWarmup(ConsumerFactory<String, LookupResult> consumers, AnswerView view, Duration reach, Duration budget,
            Clock clock) {
        this.consumers = consumers;
        this.view = view;
        this.reach = reach;
        this.budget = budget;
        this.clock = clock;
    }

    /**
     * Reads the results topic's partitions up to {@code liveStarts} (the results consumer's
     * positions; other topics' partitions are left out) and tells the view when it has read all.
     *
     * @param positioned the view's gap when it learnt that the results consumer reads from those positions
     */
    void warm(Map<TopicPartition, Long> liveStarts, AnswerView.Gap positioned) {
        Instant from = clock.instant().minus(reach);
        Map<TopicPartition, Long> ends = liveStarts.entrySet().stream()
                .filter(entry -> entry.getKey().topic().equals(Topics.LOOKUP_RESULTS.name()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        long started = System.nanoTime();
        Properties settings = new Properties();
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        // No single call may wait the default minute: the warm-up as a whole has its budget.
        settings.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
        Consumer<String, LookupResult> consumer = null;
        try {
            consumer = consumers.createConsumer(null, "answer-view-warmup", null, settings);
            Map<TopicPartition, Long> left = startAt(consumer, ends, from);
            long read = readUntil(consumer, left, started + budget.toNanos());
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            if (left.isEmpty()) {
                view.warmedFrom(positioned, from);
                log.info("Answer view warmed from {} results in {} ms", read, took.toMillis());
            }
            else {
                log.warn("Answer view warmed only in part ({} results in {} s, {} partitions unfinished): PostgreSQL "
                        + "answers what it lacks", read, took.toSeconds(), left.size());
            }
        }
        catch (RuntimeException ex) {
            // Kafka unwell, or anything else: the warm-up is a saving, never a condition to start.
            log.warn("Answer view not warmed ({}): PostgreSQL answers what it lacks", ex.getClass().getSimpleName());
        }
        finally {
            if (consumer != null) {
                consumer.close(CloseOptions.timeout(CALL_TIMEOUT));
            }
        }
    }

    /**
     * Applies the records before each partition's end until all are read or the deadline passes;
     * returns how many were applied, and leaves in {@code left} the partitions not finished.
     */
    private long readUntil(Consumer<String, LookupResult> consumer, Map<TopicPartition, Long> left, long deadline) {
        Map<TopicPartition, Long> ends = Map.copyOf(left);
        long read = 0;
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, LookupResult> record : consumer.poll(POLL)) {
                Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end && apply(record)) {
                    read++;
                }
            }
            List<TopicPartition> finished = left.keySet().stream()
                    .filter(partition -> consumer.position(partition) >= left.get(partition)).toList();
            finished.forEach(left::remove);
            consumer.pause(finished);
        }
        return read;
    }

    /** Assigns and positions the consumer; returns the partitions with records to read, and where to stop in each. */
    private static Map<TopicPartition, Long> startAt(Consumer<String, LookupResult> consumer,
            Map<TopicPartition, Long> ends, Instant from) {
        Map<TopicPartition, Long> at = new HashMap<>();
        ends.keySet().forEach(partition -> at.put(partition, from.toEpochMilli()));
        consumer.assign(ends.keySet());
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(at);
        Map<TopicPartition, Long> left = new HashMap<>();
        starts.forEach((partition, start) -> {
            if (start != null && start.offset() < ends.get(partition)) {
                left.put(partition, ends.get(partition));
                consumer.seek(partition, start.offset());
            }
        });
        consumer.pause(ends.keySet().stream().filter(partition -> !left.containsKey(partition)).toList());
        return left;
    }

    /** Returns whether the record was applied; one that cannot be is skipped, as the live consumer dead-lettered it. */
    private boolean apply(ConsumerRecord<String, LookupResult> record) {
        try {
            if (record.value() != null) {
                if (record.value().isDefinitive()) {
                    view.seen(record.value().numberHash(), Answer.of(record.value()));
                }
                return true;
            }
            if (DeadLetters.unreadable(record) == null && record.key() != null) {
                // A purge's tombstone.
                view.forget(record.key());
                return true;
            }
            return false;
        }
        catch (RuntimeException ex) {
            // Read but unusable (say, no number hash): the view only misses a saving.
            return false;
        }
    }
}
