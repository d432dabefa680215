package dev.spamcheck.worker.prewarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What {@code spamcheck.prewarm.backlog} counts, from a partition's offsets and the group's commits. */
class PrewarmBacklogTest {

    private static final TopicPartition FIRST = new TopicPartition("spamcheck.lookup.prewarm", 0);
    private static final TopicPartition SECOND = new TopicPartition("spamcheck.lookup.prewarm", 1);

    @Test
    void countsFromTheGroupsCommitToTheEndOfEachPartition() {
        assertThat(PrewarmBacklog.backlog(Map.of(FIRST, 0L, SECOND, 0L), Map.of(FIRST, 100L, SECOND, 40L),
                Map.of(FIRST, new OffsetAndMetadata(90), SECOND, new OffsetAndMetadata(40)))).isEqualTo(10);
    }

    @Test
    void aPartitionNeverCommittedCountsOnlyTheEntriesRetentionStillHolds() {
        // Retention deleted the first 9,000 entries long ago: the consumer starts at 9,000, as the gauge.
        assertThat(PrewarmBacklog.backlog(Map.of(FIRST, 9_000L), Map.of(FIRST, 9_050L), Map.of())).isEqualTo(50);
    }

    @Test
    void aCommitRetentionHasOvertakenCountsFromTheEarliestEntry() {
        assertThat(PrewarmBacklog.backlog(Map.of(FIRST, 500L), Map.of(FIRST, 520L),
                Map.of(FIRST, new OffsetAndMetadata(100)))).isEqualTo(20);
    }
}
