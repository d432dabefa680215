package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.support.serializer.SerializationUtils;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.Topics;

/**
 * The warm-up reads each results partition from the first record that can still be fresh up to
 * where the live consumer starts, in order: answers go into the view, a tombstone takes out what
 * came before it, an unreadable record is skipped, and only a warm-up that read everything makes
 * the view whole.
 */
class AnswerViewWarmupTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Duration TTL = Duration.ofHours(24);
    private static final Duration MARGIN = Duration.ofMinutes(1);
    private static final TopicPartition P0 = new TopicPartition(Topics.LOOKUP_RESULTS.name(), 0);
    private static final TopicPartition P1 = new TopicPartition(Topics.LOOKUP_RESULTS.name(), 1);
    private static final TopicPartition FAILURES = new TopicPartition(Topics.LOOKUP_FAILURES.name(), 0);

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final AnswerView view = new AnswerView(1000, TTL, MARGIN, clock);
    private final TimedMockConsumer consumer = new TimedMockConsumer();
    @SuppressWarnings("unchecked")
    private final ConsumerFactory<String, LookupResult> consumers = mock(ConsumerFactory.class);
    private final AnswerViewWarmup warmup = new AnswerViewWarmup(consumers, view, TTL.plus(MARGIN),
            Duration.ofSeconds(1), clock);

    AnswerViewWarmupTest() {
        when(consumers.createConsumer(any(), any(), any(), any(Properties.class))).thenReturn(consumer);
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    }

    @Test
    void theAnswersBeforeTheLiveStartAreInTheViewAndTheViewIsWhole() {
        consumer.firstAtOrAfter(P0, 1);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(result(P0, 1, "a", NOW.minusSeconds(60)));
            consumer.addRecord(result(P0, 2, "b", NOW.minusSeconds(30)));
            // At the live consumer's start: it reads this one itself.
            consumer.addRecord(result(P0, 3, "c", NOW.minusSeconds(10)));
        });

        warmup.warm(Map.of(P0, 3L, P1, 0L, FAILURES, 7L), view.readingFromNow());

        assertThat(view.fresh(hash("a"))).isNotNull();
        assertThat(view.fresh(hash("b"))).isNotNull();
        assertThat(view.fresh(hash("c"))).isNull();
        assertThat(view.holdsEveryFreshAnswer()).isTrue();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aTombstoneTakesOutTheAnswerBeforeItAndAnUnreadableRecordIsSkipped() {
        consumer.firstAtOrAfter(P0, 0);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(result(P0, 0, "a", NOW.minusSeconds(60)));
            consumer.addRecord(new ConsumerRecord<>(P0.topic(), 0, 1, hash("a"), null));
            RecordHeaders unreadable = new RecordHeaders();
            unreadable.add(SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER,
                    "not a result".getBytes(StandardCharsets.UTF_8));
            consumer.addRecord(new ConsumerRecord<>(P0.topic(), 0, 2, NOW.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0,
                    hash("b"), null, unreadable, java.util.Optional.empty()));
            consumer.addRecord(result(P0, 3, "b", NOW.minusSeconds(5)));
        });

        warmup.warm(Map.of(P0, 4L), view.readingFromNow());

        assertThat(view.fresh(hash("a"))).isNull();
        assertThat(view.fresh(hash("b"))).isNotNull();
        assertThat(view.holdsEveryFreshAnswer()).isTrue();
    }

    @Test
    void aWarmUpThatCannotReadEverythingLeavesTheViewPartial() {
        consumer.firstAtOrAfter(P0, 0);
        // Records up to offset 5 exist, but the live consumer starts at 10: never reached in time.
        consumer.schedulePollTask(() -> consumer.addRecord(result(P0, 0, "a", NOW.minusSeconds(60))));

        warmup.warm(Map.of(P0, 10L), view.readingFromNow());

        assertThat(view.fresh(hash("a"))).isNotNull();
        assertThat(view.holdsEveryFreshAnswer()).isFalse();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aPartitionWithNothingRecentEnoughIsNotReadAndKafkaFailingLeavesTheViewPartial() {
        warmup.warm(Map.of(P0, 3L), view.readingFromNow());
        assertThat(view.holdsEveryFreshAnswer()).as("nothing recent: nothing to read").isTrue();

        AnswerView other = new AnswerView(1000, TTL, MARGIN, clock);
        consumer.failOffsetsForTimes = true;
        new AnswerViewWarmup(consumers, other, TTL.plus(MARGIN), Duration.ofSeconds(1), clock).warm(Map.of(P0, 3L),
                other.readingFromNow());
        assertThat(other.holdsEveryFreshAnswer()).isFalse();
    }

    private static ConsumerRecord<String, LookupResult> result(TopicPartition partition, long offset, String number,
            Instant checkedAt) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, hash(number),
                new LookupResult("r-" + number, hash(number), "v1.k1.x", "0123", Outcome.SCORED, 0, checkedAt, null,
                        false, null, null));
    }

    private static String hash(String number) {
        return number.repeat(64);
    }

    /**
     * Kafka's mock consumer, with the one call it lacks: each partition's first record at or after
     * a time is set by the test (none: no record that recent).
     */
    private static final class TimedMockConsumer extends MockConsumer<String, LookupResult> {

        private final Map<TopicPartition, Long> firstRecent = new HashMap<>();
        boolean failOffsetsForTimes;

        TimedMockConsumer() {
            super(AutoOffsetResetStrategy.EARLIEST.name());
        }

        void firstAtOrAfter(TopicPartition partition, long offset) {
            firstRecent.put(partition, offset);
        }

        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                Map<TopicPartition, Long> timestampsToSearch) {
            if (failOffsetsForTimes) {
                throw new org.apache.kafka.common.errors.TimeoutException("broker gone");
            }
            Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
            timestampsToSearch.forEach((partition, at) -> found.put(partition,
                    firstRecent.containsKey(partition) ? new OffsetAndTimestamp(firstRecent.get(partition), at) : null));
            return found;
        }
    }
}
