package dev.spamcheck.archiver;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Tells long maintenance work (the nightly job, a key rotation) that the archiver is stopping. It
 * stops first, before the listener containers, so the work ends between two batches instead of
 * holding the shutdown up, and resumes when its uncommitted trigger comes back.
 */
@Component
public class MaintenanceLifecycle implements SmartLifecycle {

    private volatile boolean running;

    /** Throws {@link Stopped} once the archiver is stopping; called between batches. */
    public void checkNotStopping() {
        if (!running) {
            throw new Stopped();
        }
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    /** The archiver is stopping: the work ends between two batches and resumes later. */
    public static final class Stopped extends RuntimeException {
        Stopped() {
            super("The archiver is stopping; the work resumes when its trigger comes back", null, false, false);
        }
    }
}
