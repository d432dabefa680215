package dev.spamcheck.notifier.changes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.spamcheck.schemas.kafka.DeadLetterDeserializationHandler;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupRequest.Origin;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

class ReputationChangesTopologyTest {

    private static final String HASH = "a".repeat(64);
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> results;
    private TestOutputTopic<String, String> changes;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        ReputationChangesTopology.define(builder, dev.spamcheck.notifier.StreamsApplications.lookupResults(builder));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        config.put(DeadLetterDeserializationHandler.METER_REGISTRY, meters);
        driver = new TopologyTestDriver(builder.build(), config);
        results = driver.createInputTopic(Topics.LOOKUP_RESULTS.name(), new StringSerializer(), new StringSerializer());
        changes = driver.createOutputTopic(Topics.REPUTATION_CHANGES.name(), new StringDeserializer(),
                new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aFirstFlaggedAnswerIsAChangeAndAFirstCleanOneIsNot() {
        send(scored(HASH, 1, T0, Origin.PREWARM, "spring"));
        send(scored("b".repeat(64), 0, T0, Origin.INTERACTIVE, null));

        List<ReputationChange> emitted = emitted();
        assertThat(emitted).singleElement().satisfies(change -> {
            assertThat(change.type()).isEqualTo(ReputationChange.Type.FLAGGED);
            assertThat(change.previousScore()).isNull();
            assertThat(change.spamScore()).isEqualTo(1);
            assertThat(change.numberHash()).isEqualTo(HASH);
            assertThat(change.numberLast4()).isEqualTo("0123");
            assertThat(change.campaignId()).isEqualTo("spring");
            assertThat(change.source()).isEqualTo(ReputationChange.Source.PREWARM);
            assertThat(change.checkedAt()).isEqualTo(T0);
        });
        assertThat(driver.getKeyValueStore(ChangeDetector.STORE).get("b".repeat(64))).isNotNull();
    }

    @Test
    void aNumberThatTurnsAndIsClearedAgainEmitsBothChangesAndNothingForRepeats() {
        send(scored(HASH, 0, T0, Origin.INTERACTIVE, null));
        send(scored(HASH, 0, T0.plusSeconds(60), Origin.RECHECK, null));
        send(scored(HASH, 1, T0.plusSeconds(120), Origin.RECHECK, null));
        send(scored(HASH, 1, T0.plusSeconds(180), Origin.INTERACTIVE, null));
        send(scored(HASH, 0, T0.plusSeconds(240), Origin.INTERACTIVE, "fall"));

        assertThat(emitted()).extracting(ReputationChange::type, ReputationChange::previousScore,
                ReputationChange::spamScore, ReputationChange::source).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ReputationChange.Type.FLAGGED, 0, 1,
                                ReputationChange.Source.NIGHTLY),
                        org.assertj.core.groups.Tuple.tuple(ReputationChange.Type.CLEARED, 1, 0,
                                ReputationChange.Source.INTERACTIVE));
    }

    @Test
    void failuresNotFoundCacheAnswersOlderAnswersAndUnreadableRecordsAreNeverChanges() {
        send(scored(HASH, 0, T0, Origin.INTERACTIVE, null));
        send(result(HASH, Outcome.UNAVAILABLE, null, T0.plusSeconds(10), false, "twilio_http_500"));
        send(result(HASH, Outcome.NOT_FOUND, null, T0.plusSeconds(20), false, null));
        send(result(HASH, Outcome.SCORED, 1, T0.plusSeconds(30), true, null));
        // Older than the last answer: a replay of the topic, or a late duplicate.
        send(scored(HASH, 1, T0.minusSeconds(60), Origin.INTERACTIVE, null));
        results.pipeInput(HASH, "{\"request_id\": ");
        // A score without its time: kept, it would fail the number's every later answer.
        results.pipeInput(HASH, MessageCodec.encode(scored(HASH, 1, T0.plusSeconds(35), Origin.INTERACTIVE, null))
                .replaceAll(",?\"checked_at\":\"[^\"]+\"", ""));

        assertThat(changes.isEmpty()).isTrue();
        // The unreadable one is counted as moved to the results' dead-letter topic (the test driver
        // does not publish dead letters; DeadLettersSystemTest reads them from the real topic).
        assertThat(meters.get(DeadLetters.METRIC).tag("topic", Topics.LOOKUP_RESULTS.name()).counter().count())
                .isEqualTo(2);
        // The stream is still running: a real change after all that is found.
        send(scored(HASH, 1, T0.plusSeconds(40), Origin.INTERACTIVE, null));
        assertThat(emitted()).extracting(ReputationChange::previousScore).containsExactly(0);
    }

    @Test
    void aLastScoreKeptWithoutItsTimeBeforeSuchResultsWereRefusedIsReadAsNone() {
        driver.<String, LastScore>getKeyValueStore(ChangeDetector.STORE).put(HASH, new LastScore(1, null));

        send(scored(HASH, 1, T0, Origin.INTERACTIVE, null));

        assertThat(emitted()).extracting(ReputationChange::previousScore).containsExactly((Integer) null);
    }

    @Test
    void theSameChangeFoundAgainKeepsItsIdSoReceiversCanDeduplicate() {
        LookupResult flagged = scored(HASH, 1, T0, Origin.INTERACTIVE, null);
        String first = ReputationChange.between(null, flagged).id();
        assertThat(ReputationChange.between(null, flagged).id()).isEqualTo(first);
        assertThat(ReputationChange.between(0, flagged).id()).isNotEqualTo(first);
    }

    @Test
    void aPurgedNumberIsForgottenSoItsNextFlaggedAnswerIsAFirstOne() {
        send(scored(HASH, 1, T0, Origin.INTERACTIVE, null));
        results.pipeInput(HASH, (String) null);
        send(scored(HASH, 1, T0.plusSeconds(60), Origin.INTERACTIVE, null));

        assertThat(emitted()).extracting(ReputationChange::previousScore).containsExactly(null, null);
    }

    private void send(LookupResult result) {
        results.pipeInput(result.numberHash(), MessageCodec.encode(result));
    }

    private List<ReputationChange> emitted() {
        return changes.readValuesToList().stream().map(json -> MessageCodec.mapper().readValue(json, ReputationChange.class)).toList();
    }

    private static LookupResult scored(String hash, int score, Instant checkedAt, Origin origin, String campaign) {
        return new LookupResult(UUID.randomUUID().toString(), hash, "v1.k1.abc", "0123", Outcome.SCORED, score,
                checkedAt, null, false, origin, campaign);
    }

    private static LookupResult result(String hash, Outcome outcome, Integer score, Instant checkedAt,
            boolean fromCache, String errorCode) {
        return new LookupResult(UUID.randomUUID().toString(), hash, "v1.k1.abc", "0123", outcome, score, checkedAt,
                errorCode, fromCache, Origin.INTERACTIVE, null);
    }
}
