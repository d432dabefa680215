package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.Topics;

/**
 * What a record without a value does to the answer view: a purge's tombstone on the results topic
 * removes the number at once; nothing else does anything, nor fails (a record the listener fails
 * on is retried for ever, holding up every result behind it on every gateway).
 */
class LookupResultsListenerTest {

    private static final String HASH = "a".repeat(64);
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private final AnswerView view = new AnswerView(1000, Duration.ofHours(24), Duration.ofMinutes(1),
            Clock.fixed(NOW, ZoneOffset.UTC));
    private final LookupResultsListener listener = new LookupResultsListener(view, new PendingLookups(),
            mock(LookupResultsReadiness.class), mock(AnswerViewWarmup.class));

    @Test
    void aValueLessRecordOnTheFailuresTopicIsNeitherAPurgeNorAFailure() {
        view.seen(HASH, new Answer(Outcome.SCORED, 1, NOW.minus(Duration.ofHours(1)), null, false, false));

        listener.onMessage(record(Topics.LOOKUP_FAILURES.name(), null));
        listener.onMessage(record(Topics.LOOKUP_FAILURES.name(), HASH));
        listener.onMessage(record(Topics.LOOKUP_RESULTS.name(), null));

        assertThat(view.fresh(HASH)).isNotNull();
    }

    @Test
    void aPurgesTombstoneRemovesTheNumberAtOnce() {
        view.seen(HASH, new Answer(Outcome.SCORED, 1, NOW.minus(Duration.ofHours(1)), null, false, false));

        listener.onMessage(record(Topics.LOOKUP_RESULTS.name(), HASH));

        assertThat(view.fresh(HASH)).isNull();
    }

    private static ConsumerRecord<String, LookupResult> record(String topic, String key) {
        return new ConsumerRecord<>(topic, 0, 0L, key, null);
    }
}
