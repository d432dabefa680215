package dev.spamcheck.worker.ratelimit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

/**
 * Requests served one at a time, the clients taking turns: a client's requests in arrival order,
 * and the clients with requests waiting round robin, a client that had none waiting going first. A
 * turn is as many requests in a row as the client's weight (1 unless configured). So a client with
 * a hundred requests waiting gets no more turns than one with a single request, and that one waits
 * for at most one of the other's turns: a weighted fair share of whatever is served.
 * <p>
 * One waiting thread at a time <em>leads</em>: it decides the outcome of the request whose turn it
 * is now, whichever client's, and hands it over ({@link #serve}); the others wait for theirs. So the
 * turn is settled when an outcome is ready, not when a thread starts waiting for one: a request
 * that arrives while the leader waits for the next slot still gets that slot if it is its client's
 * turn. Hand-written: the JDK's fair locks are fair between threads, not between their owners, and
 * hand the lock, not a result.
 *
 * @param <T> what a request is served with
 */
final class FairTurns<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition newcomerArrived = lock.newCondition();
    private final Map<String, Deque<Ticket<T>>> waiting = new HashMap<>();
    /** Clients whose requests started waiting since they were last served, in arrival order: first. */
    private final Deque<String> newlyWaiting = new ArrayDeque<>();
    /** Clients served before and waiting again, round robin. */
    private final Deque<String> clientsInTurn = new ArrayDeque<>();
    private final ToIntFunction<String> weights;
    private Ticket<T> leader;
    /** The client served last while it was its turn, and how many of its requests in a row. */
    private String inTurn;
    private int servedInTurn;

    /** Every client weighs 1. */
    FairTurns() {
        this(client -> 1);
    }

    /** @param weights each client's requests per turn, at least 1 */
    FairTurns(ToIntFunction<String> weights) {
        this.weights = weights;
    }

    /** One request: whose it is, until when ({@link System#nanoTime()}) it may wait, and what it was served with. */
    static final class Ticket<T> {

        private final String client;
        private final long deadline;
        private T outcome;
        private boolean served;

        private Ticket(String client, long deadline) {
            this.client = client;
            this.deadline = deadline;
        }

        long deadline() {
            return deadline;
        }

        T outcome() {
            return outcome;
        }
    }

    /** Queues a request of {@code client} that may wait until {@code deadline}. */
    Ticket<T> join(String client, long deadline) {
        lock.lock();
        try {
            Ticket<T> ticket = new Ticket<>(client, deadline);
            waiting.computeIfAbsent(client, c -> {
                newlyWaiting.addLast(c);
                newcomerArrived.signalAll();
                return new ArrayDeque<>();
            }).addLast(ticket);
            if (leader == null) {
                leader = ticket;
            }
            return ticket;
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the ticket is served (true: its {@link Ticket#outcome()} is set) or its thread
     * is to lead (false: it must serve {@link #next()}, its own request included). A ticket whose
     * deadline passes while it waits is served with {@code expired}; a leader's is its own to watch.
     * A thread interrupted here must {@link #withdraw} its ticket, as it must whenever it gives up.
     */
    boolean awaitServedOrLead(Ticket<T> mine, T expired) throws InterruptedException {
        lock.lock();
        try {
            while (!mine.served && leader != mine) {
                long left = mine.deadline - System.nanoTime();
                if (left <= 0) {
                    settle(mine, expired);
                    return true;
                }
                changed.awaitNanos(left);
            }
            return mine.served;
        }
        finally {
            lock.unlock();
        }
    }

    /** The request whose turn it is; for the leader, whose own request is waiting, so there is one. */
    Ticket<T> next() {
        lock.lock();
        try {
            return waiting.get(clientInTurn()).peekFirst();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Whether the request's client is waiting for its first turn since it last had nothing waiting:
     * such a request goes before every client served since.
     */
    boolean isNewcomer(Ticket<T> ticket) {
        lock.lock();
        try {
            return newlyWaiting.contains(ticket.client);
        }
        finally {
            lock.unlock();
        }
    }

    /** For the leader: waits up to {@code pause}, less if a client starts waiting meanwhile. */
    void restUnlessNewcomer(Duration pause) throws InterruptedException {
        lock.lock();
        try {
            if (newlyWaiting.isEmpty()) {
                newcomerArrived.awaitNanos(pause.toNanos());
            }
        }
        finally {
            lock.unlock();
        }
    }

    /** Serves a request; its client's turn passes to the next client. False if it had left already. */
    boolean serve(Ticket<T> ticket, T outcome) {
        lock.lock();
        try {
            if (ticket.served) {
                return false;
            }
            settle(ticket, outcome);
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    /** Takes a request out unserved (its thread is interrupted or failed); it no longer leads. */
    void withdraw(Ticket<T> ticket) {
        lock.lock();
        try {
            if (!ticket.served) {
                settle(ticket, null);
            }
        }
        finally {
            lock.unlock();
        }
    }

    private String clientInTurn() {
        return newlyWaiting.isEmpty() ? clientsInTurn.peekFirst() : newlyWaiting.peekFirst();
    }

    private void settle(Ticket<T> ticket, T outcome) {
        ticket.outcome = outcome;
        ticket.served = true;
        Deque<Ticket<T>> queue = waiting.get(ticket.client);
        boolean itsTurn = queue.peekFirst() == ticket && ticket.client.equals(clientInTurn());
        queue.remove(ticket);
        if (itsTurn) {
            servedInTurn = ticket.client.equals(inTurn) ? servedInTurn + 1 : 1;
            inTurn = ticket.client;
        }
        if (queue.isEmpty()) {
            waiting.remove(ticket.client);
            newlyWaiting.remove(ticket.client);
            clientsInTurn.remove(ticket.client);
            inTurn = ticket.client.equals(inTurn) ? null : inTurn;
        }
        else if (itsTurn) {
            newlyWaiting.remove(ticket.client);
            clientsInTurn.remove(ticket.client);
            if (servedInTurn < weights.applyAsInt(ticket.client)) {
                // Its turn goes on, no longer as a newcomer: a client arriving now still goes first.
                clientsInTurn.addFirst(ticket.client);
            }
            else {
                // Its turn is over: to the back of the round.
                clientsInTurn.addLast(ticket.client);
                inTurn = null;
            }
        }
        if (leader == ticket) {
            String next = clientInTurn();
            leader = next == null ? null : waiting.get(next).peekFirst();
        }
        changed.signalAll();
    }
}
