package dev.spamcheck.worker.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class FairTurnsTest {

    private final FairTurns turns = new FairTurns();
    private final List<String> order = new CopyOnWriteArrayList<>();

    @Test
    void clientsTakeTurnsWhateverHowManyOfTheirThreadsWait() throws Exception {
        assertThat(turns.enter("a", far())).isTrue();
        for (String name : List.of("a1", "a2", "a3")) {
            awaitWaiting(List.of(waiter("a", name)));
        }
        awaitWaiting(List.of(waiter("b", "b1")));

        turns.leave();
        await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 4);
        // a's turn came round first; then b's one thread before a's others.
        assertThat(order).containsExactly("a1", "b1", "a2", "a3");
    }

    @Test
    void aThreadWhoseDeadlinePassesLeavesTheQueueAndOthersGoOn() throws Exception {
        assertThat(turns.enter("a", far())).isTrue();
        assertThat(turns.enter("b", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50))).isFalse();
        Thread c = waiter("c", "c1");
        awaitWaiting(List.of(c));
        turns.leave();
        await().atMost(Duration.ofSeconds(5)).until(() -> order.equals(List.of("c1")));
    }

    /** A thread that, in its turn, notes its name and leaves. */
    private Thread waiter(String client, String name) {
        Thread thread = new Thread(() -> {
            try {
                if (turns.enter(client, far())) {
                    order.add(name);
                    turns.leave();
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        thread.start();
        return thread;
    }

    private static void awaitWaiting(List<Thread> threads) {
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.stream()
                .allMatch(thread -> thread.getState() == Thread.State.TIMED_WAITING));
    }

    private static long far() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }
}
