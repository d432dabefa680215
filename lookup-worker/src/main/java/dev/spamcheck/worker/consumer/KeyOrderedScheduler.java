package dev.spamcheck.worker.consumer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.apache.kafka.common.TopicPartition;

/**
 * Runs the records of a topic so that records with one key run one at a time, in offset order,
 * and records with different keys run at once, as many as the executor has threads; and knows,
 * per partition, the offset up to which every record is done, which is the only offset that may
 * be committed. Kafka's consumer delivers a partition in order but processes nothing itself;
 * Confluent's parallel consumer does this but does not support the project's Kafka 4 clients.
 * Records without a key run on their own.
 * <p>
 * Of the records whose turn it is, at most {@code concurrency} run at once, taken from their
 * <em>lanes</em> in turn (round robin: one from each lane with work ready, then again), not in the
 * order they arrived; and no lane ever holds the last {@code reserve} threads, so another lane's
 * record never waits for one of them to finish. For lookups a lane is the client that asked, so
 * one client's burst of new numbers waits behind its own records, not in front of everyone else's.
 * <p>
 * A record's work may end before the record is done: it returns a stage that completes when it
 * is (a result sent that Kafka has yet to acknowledge). Its thread is free for other records at
 * once; its key's next record waits, and its offset stays uncommitted, until the stage completes.
 */
final class KeyOrderedScheduler {

    /** The lane of records that name none. */
    static final Object SHARED_LANE = new Object();

    private final Executor executor;
    private final int concurrency;
    private final int perLane;
    private final Map<Object, Integer> runningByLane = new HashMap<>();
    private final Map<Object, Deque<Work>> waitingByKey = new HashMap<>();
    private final Map<Object, Deque<Work>> readyByLane = new HashMap<>();
    private final Deque<Object> lanesInTurn = new ArrayDeque<>();
    private int running;
    private final Map<TopicPartition, TreeSet<Long>> unfinished = new HashMap<>();
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private int pending;
    private int awaiting;

    /**
     * @param executor runs the work, with at least {@code concurrency} threads
     * @param concurrency how much runs at once
     * @param reserve threads no single lane may take, kept for the others (0: none)
     */
    KeyOrderedScheduler(Executor executor, int concurrency, int reserve) {
        this.executor = executor;
        this.concurrency = concurrency;
        this.perLane = Math.max(1, concurrency - reserve);
    }

    /**
     * Hands a record over: it runs once every earlier record with its key is done, in its lane's
     * turn. Work must not throw; work that does counts as done.
     *
     * @param lane whose record it is (null: the shared lane)
     * @param work returns a stage that completes (normally or not) when the record is done; one
     *        that never does holds the record, its key and its partition's offset until forgotten
     */
    void submit(TopicPartition partition, long offset, Object key, Object lane,
            Supplier<? extends CompletionStage<?>> work) {
        synchronized (this) {
            TreeSet<Long> open = unfinished.computeIfAbsent(partition, p -> new TreeSet<>());
            open.add(offset);
            Work submitted = new Work(partition, open, offset, key == null ? new Object() : key,
                    lane == null ? SHARED_LANE : lane, work);
            nextOffset.merge(partition, offset + 1, Math::max);
            pending++;
            Deque<Work> queue = waitingByKey.computeIfAbsent(submitted.key, k -> new ArrayDeque<>());
            queue.addLast(submitted);
            if (queue.size() == 1) {
                ready(submitted);
            }
        }
        dispatch();
    }

    /** Per partition, the offset to commit: the first record not yet done, or the next to come. */
    synchronized Map<TopicPartition, Long> committable() {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        nextOffset.forEach((partition, next) -> {
            TreeSet<Long> open = unfinished.get(partition);
            offsets.put(partition, open == null || open.isEmpty() ? next : open.first());
        });
        return offsets;
    }

    /** Records handed over and not yet done. */
    synchronized int pending() {
        return pending;
    }

    /** Of the records not yet done, those whose work has ended: they hold no thread, only their key and offset. */
    synchronized int awaiting() {
        return awaiting;
    }

    /**
     * Stops tracking partitions this consumer no longer owns. Their records already handed over
     * still run (a duplicate costs nothing: the cache and the claims see to that), but no offset of
     * theirs will be committed here.
     */
    synchronized void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            TreeSet<Long> open = unfinished.remove(partition);
            nextOffset.remove(partition);
            if (open != null) {
                pending -= open.size();
            }
        }
    }

    private void run(Work work) {
        CompletionStage<?> done = null;
        try {
            done = work.work.get();
        }
        finally {
            synchronized (this) {
                running--;
                runningByLane.computeIfPresent(work.lane, (lane, count) -> count == 1 ? null : count - 1);
            }
            if (done == null || done.toCompletableFuture().isDone()) {
                finished(work);
            }
            else {
                synchronized (this) {
                    awaiting++;
                }
                done.whenComplete((ignored, failure) -> {
                    synchronized (this) {
                        awaiting--;
                    }
                    finished(work);
                });
                // Its thread is free whether or not the record is done.
                dispatch();
            }
        }
    }

    /** Work whose key's turn it is joins its lane; a lane with nothing ready before joins the turn. */
    private void ready(Work work) {
        Deque<Work> lane = readyByLane.get(work.lane);
        if (lane == null) {
            lane = new ArrayDeque<>();
            readyByLane.put(work.lane, lane);
            lanesInTurn.addLast(work.lane);
        }
        lane.addLast(work);
    }

    /** Starts ready work while fewer than {@code concurrency} run, one lane at a time. */
    private void dispatch() {
        List<Work> starting = new ArrayList<>();
        synchronized (this) {
            Deque<Object> passedOver = new ArrayDeque<>();
            while (running < concurrency && !lanesInTurn.isEmpty()) {
                Object lane = lanesInTurn.pollFirst();
                if (runningByLane.getOrDefault(lane, 0) >= perLane) {
                    passedOver.addLast(lane);
                    continue;
                }
                Deque<Work> queue = readyByLane.get(lane);
                starting.add(queue.pollFirst());
                running++;
                runningByLane.merge(lane, 1, Integer::sum);
                if (queue.isEmpty()) {
                    readyByLane.remove(lane);
                }
                else {
                    lanesInTurn.addLast(lane);
                }
            }
            // Lanes passed over keep their place at the head of the turn.
            while (!passedOver.isEmpty()) {
                lanesInTurn.addFirst(passedOver.pollLast());
            }
        }
        starting.forEach(work -> executor.execute(() -> run(work)));
    }

    /** Marks the work done, makes the next work of its key ready, if any, and starts what may start. */
    private void finished(Work work) {
        synchronized (this) {
            // Only while its partition is still the one it was handed over with: forgotten and then
            // assigned again, the partition's offset may belong to the same record delivered anew.
            if (unfinished.get(work.partition) == work.open && work.open.remove(work.offset)) {
                pending--;
            }
            Deque<Work> queue = waitingByKey.get(work.key);
            queue.removeFirst();
            if (queue.isEmpty()) {
                waitingByKey.remove(work.key);
            }
            else {
                ready(queue.peekFirst());
            }
        }
        dispatch();
    }

    /** @param open its partition's unfinished offsets as they were tracked when it was handed over */
    private record Work(TopicPartition partition, TreeSet<Long> open, long offset, Object key, Object lane,
            Supplier<? extends CompletionStage<?>> work) {
    }
}
