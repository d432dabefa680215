package dev.spamcheck.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class KeyOrderedSchedulerTest {

    private static final TopicPartition P0 = new TopicPartition("requests", 0);
    private static final TopicPartition P1 = new TopicPartition("requests", 1);

    /** Runs nothing by itself: the test decides which started work finishes when. */
    private final Deque<Runnable> started = new ArrayDeque<>();
    private final Executor executor = started::addLast;
    private final KeyOrderedScheduler scheduler = new KeyOrderedScheduler(executor, 100, 0);
    private final List<String> ran = new ArrayList<>();

    @Test
    void differentKeysStartTogetherWhileOneKeyWaitsForItsTurn() {
        submit(P0, 0, "slow");
        submit(P0, 1, "slow");
        submit(P0, 2, "other");

        assertThat(started).hasSize(2);
        finishStarted(1);
        assertThat(ran).containsExactly("other@2");
        assertThat(started).hasSize(1);

        finishStarted(0);
        assertThat(ran).containsExactly("other@2", "slow@0");
        assertThat(started).hasSize(1);
        finishStarted(0);
        assertThat(ran).containsExactly("other@2", "slow@0", "slow@1");
    }

    @Test
    void anOffsetIsCommittableOnlyWhenEveryEarlierRecordIsDone() {
        submit(P0, 10, "a");
        submit(P0, 11, "b");
        submit(P0, 12, "c");
        assertThat(scheduler.committable()).containsEntry(P0, 10L);

        finishStarted(2);
        finishStarted(1);
        assertThat(scheduler.committable()).containsEntry(P0, 10L);
        assertThat(scheduler.pending()).isEqualTo(1);

        finishStarted(0);
        assertThat(scheduler.committable()).containsEntry(P0, 13L);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void partitionsAreTrackedApart() {
        submit(P0, 5, "a");
        submit(P1, 7, "b");
        finishStarted(1);
        assertThat(scheduler.committable()).isEqualTo(Map.of(P0, 5L, P1, 8L));
    }

    @Test
    void forgottenPartitionsAreNoLongerCommittedButTheirWorkFinishes() {
        submit(P0, 3, "a");
        submit(P0, 4, "a");
        submit(P1, 9, "b");

        scheduler.forget(List.of(P0));

        assertThat(scheduler.committable()).containsOnlyKeys(P1);
        assertThat(scheduler.pending()).isEqualTo(1);
        finishStarted(0);
        finishStarted(0);
        finishStarted(0);
        assertThat(ran).containsExactlyInAnyOrder("a@3", "a@4", "b@9");
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void recordsWithoutAKeyRunTogether() {
        submit(P0, 0, null);
        submit(P0, 1, null);
        assertThat(started).hasSize(2);
    }

    @Test
    void workThatThrowsStillCountsAsDoneAndLetsItsKeyGoOn() {
        scheduler.submit(P0, 0, "k", null, () -> {
            throw new IllegalStateException("boom");
        });
        submit(P0, 1, "k");
        try {
            started.removeFirst().run();
        }
        catch (IllegalStateException expected) {
            // the consumer's handler logs such failures; the scheduler only must not stall
        }
        finishStarted(0);
        assertThat(ran).containsExactly("k@1");
        assertThat(scheduler.committable()).containsEntry(P0, 2L);
    }

    @Test
    void atMostConcurrencyRunAndLanesTakeTurnsSoABurstCannotStarveAnotherLane() {
        KeyOrderedScheduler fair = new KeyOrderedScheduler(executor, 3, 1);
        for (int i = 0; i < 6; i++) {
            int offset = i;
            fair.submit(P0, offset, "burst-" + i, "client-a", () -> done(ran.add("a" + offset)));
        }
        fair.submit(P1, 0, "single", "client-b", () -> done(ran.add("b0")));

        // client-a's burst takes two threads, not the third: client-b's record starts at once.
        assertThat(started).hasSize(3);
        while (!started.isEmpty()) {
            assertThat(started).hasSizeLessThanOrEqualTo(3);
            finishStarted(0);
        }
        assertThat(ran).containsExactly("a0", "a1", "b0", "a2", "a3", "a4", "a5");
        assertThat(fair.pending()).isZero();
    }

    @Test
    void workDoneLaterFreesItsThreadAtOnceButHoldsItsKeyAndOffsetUntilItIsDone() {
        KeyOrderedScheduler one = new KeyOrderedScheduler(executor, 1, 0);
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        one.submit(P0, 0, "k", null, () -> {
            ran.add("k@0");
            return acknowledged;
        });
        one.submit(P0, 1, "k", null, () -> done(ran.add("k@1")));
        one.submit(P0, 2, "other", null, () -> done(ran.add("other@2")));

        finishStarted(0);
        assertThat(started).as("the one thread is free for another key's record").hasSize(1);
        finishStarted(0);
        assertThat(ran).containsExactly("k@0", "other@2");
        assertThat(one.committable()).containsEntry(P0, 0L);
        assertThat(one.pending()).isEqualTo(2);
        assertThat(one.awaiting()).isEqualTo(1);

        acknowledged.complete(null);
        assertThat(one.awaiting()).isZero();
        finishStarted(0);
        assertThat(ran).containsExactly("k@0", "other@2", "k@1");
        assertThat(one.committable()).containsEntry(P0, 3L);
        assertThat(one.pending()).isZero();
    }

    @Test
    void workThatEndsInFailureLaterCountsAsDone() {
        CompletableFuture<Void> refused = new CompletableFuture<>();
        scheduler.submit(P0, 0, "k", null, () -> refused);
        finishStarted(0);
        assertThat(scheduler.committable()).containsEntry(P0, 0L);

        refused.completeExceptionally(new IllegalStateException("not taken"));
        assertThat(scheduler.committable()).containsEntry(P0, 1L);
    }

    @Test
    void aRecordDeliveredAgainAfterItsPartitionCameBackIsNotDoneByTheFirstCopysLateEnd() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        scheduler.submit(P0, 5, "k", null, () -> first);
        finishStarted(0);
        scheduler.forget(List.of(P0));
        // The partition is assigned again, and its uncommitted record delivered anew.
        scheduler.submit(P0, 5, "k", null, () -> done(ran.add("k@5 again")));

        first.complete(null);

        assertThat(scheduler.committable()).as("the new copy has yet to run").containsEntry(P0, 5L);
        finishStarted(0);
        assertThat(ran).containsExactly("k@5 again");
        assertThat(scheduler.committable()).containsEntry(P0, 6L);
        assertThat(scheduler.pending()).isZero();
    }

    private void submit(TopicPartition partition, long offset, String key) {
        scheduler.submit(partition, offset, key, null, () -> done(ran.add(key + "@" + offset)));
    }

    private static CompletionStage<?> done(boolean ignored) {
        return CompletableFuture.completedFuture(null);
    }

    /** Runs the index-th started work to its end. */
    private void finishStarted(int index) {
        List<Runnable> all = new ArrayList<>(started);
        Runnable work = all.remove(index);
        started.clear();
        started.addAll(all);
        work.run();
    }
}
