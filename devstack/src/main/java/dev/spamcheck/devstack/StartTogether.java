package dev.spamcheck.devstack;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Parts of a devstack started at once, each on a thread of its own. Each spends much of its start
 * waiting (on PostgreSQL's own processes, on Kafka's controller, on sockets, on class loading the
 * other core can do), and one after the other they took most of the devstack's start. All or
 * nothing: if one part fails, {@link #await()} closes those that started and throws its failure.
 */
final class StartTogether implements AutoCloseable {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "devstack-start-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });
    private final List<Future<? extends AutoCloseable>> parts = new ArrayList<>();

    /** Starts a part; its result is ready once {@link #await()} has returned. */
    <T extends AutoCloseable> Future<T> start(Callable<T> part) {
        Future<T> started = threads.submit(part);
        parts.add(started);
        return started;
    }

    /**
     * Waits for every part, even when interrupted (a part still starting cannot be left running
     * with no one to close it). If any failed, or the wait was interrupted, closes those that
     * started and throws the first failure (or an {@link InterruptedException}).
     */
    void await() throws Exception {
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<? extends AutoCloseable> part : parts) {
            while (true) {
                try {
                    part.get();
                    break;
                }
                catch (ExecutionException ex) {
                    failure = failure == null ? ex.getCause() : failure;
                    break;
                }
                catch (InterruptedException ex) {
                    interrupted = true;
                }
            }
        }
        if (interrupted && failure == null) {
            failure = new InterruptedException("Interrupted while starting: what started is stopped again");
            interrupted = false;
        }
        if (failure != null) {
            // Before the interrupt is restored: closing waits for processes (PostgreSQL's pg_ctl).
            closeStarted(failure);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure instanceof Exception exception) {
            throw exception;
        }
        if (failure != null) {
            throw (Error) failure;
        }
    }

    private void closeStarted(Throwable failure) {
        for (Future<? extends AutoCloseable> part : parts) {
            try {
                part.get().close();
            }
            catch (ExecutionException ex) {
                // This one failed to start: nothing to close.
            }
            catch (Exception ex) {
                failure.addSuppressed(ex);
            }
        }
    }

    @Override
    public void close() {
        threads.shutdown();
    }
}
