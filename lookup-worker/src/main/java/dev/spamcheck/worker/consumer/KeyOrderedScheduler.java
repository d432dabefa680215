package dev.spamcheck.worker.consumer;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executor;

import org.apache.kafka.common.TopicPartition;

/**
 * Runs the records of a topic so that records with one key run one at a time, in offset order,
 * and records with different keys run at once, as many as the executor has threads; and knows,
 * per partition, the offset up to which every record is done, which is the only offset that may
 * be committed. Kafka's consumer delivers a partition in order but processes nothing itself;
 * Confluent's parallel consumer does this but does not support the project's Kafka 4 clients.
 * Records without a key run on their own.
 */
final class KeyOrderedScheduler {

    private final Executor executor;
    private final Map<Object, Deque<Work>> waitingByKey = new HashMap<>();
    private final Map<TopicPartition, TreeSet<Long>> unfinished = new HashMap<>();
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private int pending;

    /** @param executor runs the work; its size bounds how much runs at once */
    KeyOrderedScheduler(Executor executor) {
        this.executor = executor;
    }

    /** Hands a record over: it runs once every earlier record with its key is done. Work must not throw. */
    void submit(TopicPartition partition, long offset, Object key, Runnable work) {
        Work submitted = new Work(partition, offset, key == null ? new Object() : key, work);
        boolean runNow;
        synchronized (this) {
            unfinished.computeIfAbsent(partition, p -> new TreeSet<>()).add(offset);
            nextOffset.merge(partition, offset + 1, Math::max);
            pending++;
            Deque<Work> queue = waitingByKey.computeIfAbsent(submitted.key, k -> new ArrayDeque<>());
            queue.addLast(submitted);
            runNow = queue.size() == 1;
        }
        if (runNow) {
            executor.execute(() -> run(submitted));
        }
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
        try {
            work.work.run();
        }
        finally {
            Work next = finished(work);
            if (next != null) {
                executor.execute(() -> run(next));
            }
        }
    }

    /** Marks the work done and returns the next work of its key, if any. */
    private synchronized Work finished(Work work) {
        TreeSet<Long> open = unfinished.get(work.partition);
        if (open != null && open.remove(work.offset)) {
            pending--;
        }
        Deque<Work> queue = waitingByKey.get(work.key);
        queue.removeFirst();
        if (queue.isEmpty()) {
            waitingByKey.remove(work.key);
            return null;
        }
        return queue.peekFirst();
    }

    private record Work(TopicPartition partition, long offset, Object key, Runnable work) {
    }
}
