package dev.spamcheck.worker.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class FairTurnsTest {

    private final FairTurns<String> turns = new FairTurns<>();
    private final List<String> order = new CopyOnWriteArrayList<>();

    @Test
    void clientsTakeTurnsWhateverHowManyOfTheirRequestsWait() {
        FairTurns.Ticket<String> a1 = turns.join("a", far());
        FairTurns.Ticket<String> a2 = turns.join("a", far());
        FairTurns.Ticket<String> a3 = turns.join("a", far());
        FairTurns.Ticket<String> b1 = turns.join("b", far());

        serveAll(turns, Map.of(a1, "a1", a2, "a2", a3, "a3", b1, "b1"));

        // a's turn came round first; then b's one request before a's others.
        assertThat(order).containsExactly("a1", "b1", "a2", "a3");
        assertThat(List.of(a1.outcome(), b1.outcome(), a2.outcome(), a3.outcome()))
                .containsExactly("a1", "b1", "a2", "a3");
    }

    @Test
    void aClientWeighingThreeGetsThreeRequestsPerTurn() {
        FairTurns<String> weighted = new FairTurns<>(client -> client.equals("heavy") ? 3 : 1);
        Map<FairTurns.Ticket<String>, String> names = new java.util.HashMap<>();
        for (int i = 1; i <= 7; i++) {
            names.put(weighted.join("heavy", far()), "h" + i);
        }
        for (int i = 1; i <= 3; i++) {
            names.put(weighted.join("light", far()), "l" + i);
        }

        serveAll(weighted, names);

        // light, waiting since before heavy's first was served, goes before the rest of that turn.
        assertThat(order).containsExactly("h1", "l1", "h2", "h3", "h4", "l2", "h5", "h6", "h7", "l3");
    }

    @Test
    void aNewcomerGoesBeforeTheRestOfAWeightedTurnWhichThenStartsAgain() {
        FairTurns<String> weighted = new FairTurns<>(client -> client.equals("heavy") ? 3 : 1);
        Map<FairTurns.Ticket<String>, String> names = new java.util.HashMap<>();
        for (int i = 1; i <= 5; i++) {
            names.put(weighted.join("heavy", far()), "h" + i);
        }
        FairTurns.Ticket<String> first = weighted.next();
        order.add(names.get(first));
        weighted.serve(first, "h1");
        names.remove(first);
        assertThat(weighted.isNewcomer(weighted.next())).as("heavy, served once, is no newcomer").isFalse();
        names.put(weighted.join("light", far()), "l1");

        serveAll(weighted, names);

        assertThat(order).containsExactly("h1", "l1", "h2", "h3", "h4", "h5");
    }

    @Test
    void aRequestArrivingWhileTheLeaderWaitsGetsTheNextOutcomeIfItIsItsClientsTurn() throws Exception {
        FairTurns.Ticket<String> a1 = turns.join("a", far());
        FairTurns.Ticket<String> a2 = turns.join("a", far());
        assertThat(turns.awaitServedOrLead(a1, "expired")).as("the first request leads").isFalse();
        assertThat(turns.serve(turns.next(), "slot 1")).isTrue();
        assertThat(a1.outcome()).isEqualTo("slot 1");

        // a2 leads now; while it waits for the next slot, b asks.
        assertThat(turns.awaitServedOrLead(a2, "expired")).isFalse();
        FairTurns.Ticket<String> b1 = turns.join("b", far());
        turns.serve(turns.next(), "slot 2");

        assertThat(b1.outcome()).isEqualTo("slot 2");
        assertThat(turns.awaitServedOrLead(a2, "expired")).isFalse();
        assertThat(turns.next()).isSameAs(a2);
    }

    @Test
    void aRequestWhoseDeadlinePassesIsServedWithExpiredAndOthersGoOn() throws Exception {
        FairTurns.Ticket<String> a1 = turns.join("a", far());
        FairTurns.Ticket<String> b1 = turns.join("b", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(turns.awaitServedOrLead(a1, "expired")).isFalse();

        assertThat(turns.awaitServedOrLead(b1, "expired")).isTrue();
        assertThat(b1.outcome()).isEqualTo("expired");
        assertThat(turns.serve(b1, "too late")).isFalse();
        FairTurns.Ticket<String> c1 = turns.join("c", far());
        turns.serve(turns.next(), "slot 1");
        assertThat(a1.outcome()).isEqualTo("slot 1");
        assertThat(turns.awaitServedOrLead(c1, "expired")).as("c leads once a is served").isFalse();
    }

    @Test
    void aLeaderThatWithdrawsHandsTheLeadToTheNextWaitingThread() throws Exception {
        FairTurns.Ticket<String> a1 = turns.join("a", far());
        assertThat(turns.awaitServedOrLead(a1, "expired")).isFalse();
        CountDownLatch waiting = new CountDownLatch(1);
        List<Boolean> b1Served = new CopyOnWriteArrayList<>();
        Thread b = new Thread(() -> {
            FairTurns.Ticket<String> b1 = turns.join("b", far());
            waiting.countDown();
            try {
                b1Served.add(turns.awaitServedOrLead(b1, "expired"));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        b.start();
        assertThat(waiting.await(5, TimeUnit.SECONDS)).isTrue();

        turns.withdraw(a1);

        await().atMost(Duration.ofSeconds(5)).until(() -> b1Served.equals(List.of(false)));
    }

    @Test
    void aRestingLeaderWakesWhenANewClientStartsWaiting() throws Exception {
        FairTurns.Ticket<String> a1 = turns.join("a", far());
        turns.join("a", far());
        turns.serve(turns.next(), "slot 1");
        assertThat(turns.isNewcomer(a1)).isFalse();
        Thread newcomer = new Thread(() -> {
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            turns.join("b", far());
        });
        newcomer.start();

        long resting = System.nanoTime();
        turns.restUnlessNewcomer(Duration.ofSeconds(20));

        assertThat(Duration.ofNanos(System.nanoTime() - resting)).isLessThan(Duration.ofSeconds(5));
        assertThat(turns.isNewcomer(turns.next())).as("b goes first").isTrue();
    }

    /** Leads as the tickets' threads would, each leader serving the next request with its name. */
    private void serveAll(FairTurns<String> turns, Map<FairTurns.Ticket<String>, String> names) {
        Map<FairTurns.Ticket<String>, Boolean> done = new ConcurrentHashMap<>();
        while (done.size() < names.size()) {
            FairTurns.Ticket<String> next = turns.next();
            order.add(names.get(next));
            turns.serve(next, names.get(next));
            done.put(next, true);
        }
    }

    private static long far() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }
}
