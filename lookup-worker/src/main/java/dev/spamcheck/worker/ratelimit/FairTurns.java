package dev.spamcheck.worker.ratelimit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One thread at a time, the clients taking turns: a thread waits for its turn among its client's
 * threads (in arrival order), and the clients with threads waiting are served round robin, one
 * turn each. So a client with a hundred threads waiting gets no more turns than one with a single
 * thread. Hand-written: the JDK's fair locks are fair between threads, not between their owners.
 */
final class FairTurns {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Deque<Waiter>> waiting = new HashMap<>();
    private final Deque<String> clientsInTurn = new ArrayDeque<>();
    private Waiter current;

    /** Waits for this thread's turn until {@code deadline} ({@link System#nanoTime()}); false if it passed. */
    boolean enter(String client, long deadline) throws InterruptedException {
        lock.lock();
        try {
            Waiter me = new Waiter();
            waiting.computeIfAbsent(client, c -> {
                clientsInTurn.addLast(c);
                return new ArrayDeque<>();
            }).addLast(me);
            promote();
            try {
                while (!me.chosen) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        withdraw(client, me);
                        return false;
                    }
                    changed.awaitNanos(left);
                }
            }
            catch (InterruptedException ex) {
                if (me.chosen) {
                    current = null;
                    promote();
                }
                else {
                    withdraw(client, me);
                }
                throw ex;
            }
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    /** Ends the turn of the thread that has it. */
    void leave() {
        lock.lock();
        try {
            current = null;
            promote();
        }
        finally {
            lock.unlock();
        }
    }

    private void promote() {
        if (current != null || clientsInTurn.isEmpty()) {
            return;
        }
        String client = clientsInTurn.pollFirst();
        Deque<Waiter> queue = waiting.get(client);
        current = queue.pollFirst();
        if (queue.isEmpty()) {
            waiting.remove(client);
        }
        else {
            clientsInTurn.addLast(client);
        }
        current.chosen = true;
        changed.signalAll();
    }

    private void withdraw(String client, Waiter me) {
        Deque<Waiter> queue = waiting.get(client);
        queue.remove(me);
        if (queue.isEmpty()) {
            waiting.remove(client);
            clientsInTurn.remove(client);
        }
    }

    private static final class Waiter {
        boolean chosen;
    }
}
