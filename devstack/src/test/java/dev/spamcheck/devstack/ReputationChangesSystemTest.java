package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.MessageSchemas;
import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Numbers that turn, through the real broker: the stub's {@code 88xx} numbers are clean on their
 * first lookup and flagged afterwards, its {@code 89xx} ones the reverse. Each change reaches
 * {@code spamcheck.reputation.changes} exactly once, as its JSON Schema says, without the number.
 */
class ReputationChangesSystemTest {

    @Test
    void aNumberThatTurnsFlaggedEmitsOneChangeAndItsFirstCleanAnswerNone() {
        String number = TestStack.uniqueNumber("8812");
        assertThat(score(number)).isZero();
        // Cache hits keep answering 0 until the answer expires (5 s here); the next lookup asks
        // Twilio again and finds the number flagged.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> score(number) == 1);

        ReputationChange change = awaitChanges(number, 1).get(0);
        assertThat(change.type()).isEqualTo(ReputationChange.Type.FLAGGED);
        assertThat(change.previousScore()).isZero();
        assertThat(change.spamScore()).isEqualTo(1);
        assertThat(change.numberLast4()).isEqualTo("8812");
        assertThat(change.source()).isEqualTo(ReputationChange.Source.INTERACTIVE);
    }

    @Test
    void aNumberFlaggedAtFirstAndClearedLaterEmitsBothChangesOnce() {
        String number = TestStack.uniqueNumber("8934");
        assertThat(score(number)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> score(number) == 0);

        List<ReputationChange> changes = awaitChanges(number, 2);
        assertThat(changes).extracting(ReputationChange::type, ReputationChange::previousScore)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ReputationChange.Type.FLAGGED, null),
                        org.assertj.core.groups.Tuple.tuple(ReputationChange.Type.CLEARED, 1));
        assertThat(changes.get(0).id()).isNotEqualTo(changes.get(1).id());
    }

    /** Waits for {@code count} changes of the number, then checks no more come. */
    private static List<ReputationChange> awaitChanges(String number, int count) {
        String hash = TestStack.protection().hash(number);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> changesOf(hash).size() >= count);
        // A duplicate would come in a later transaction: the notifier commits once a second.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(250))
                .until(() -> changesOf(hash).size() == count);
        List<ConsumerRecord<String, String>> all = TopicContents.read(Topics.REPUTATION_CHANGES.name());
        assertThat(all).allSatisfy(record -> {
            assertThat(MessageSchemas.violations(Topics.REPUTATION_CHANGES.name(), record.value())).isEmpty();
            assertThat(record.value()).doesNotContain(number.substring(2));
        });
        List<ReputationChange> changes = changesOf(hash);
        assertThat(changes).hasSize(count);
        return changes;
    }

    private static List<ReputationChange> changesOf(String hash) {
        return TopicContents.read(Topics.REPUTATION_CHANGES.name()).stream().filter(record -> hash.equals(record.key()))
                .map(record -> MessageCodec.mapper().readValue(record.value(), ReputationChange.class)).toList();
    }

    private static int score(String number) {
        HttpResponse<String> response = TestStack.lookUp(number);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestStack.json(response).get("spam_score").asInt();
    }
}
