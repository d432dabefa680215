package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;

/**
 * The web server opens only once this instance can receive the results of its requests and its
 * answer view is warmed: the results consumer (started in the phase before) has every partition
 * and a fixed position in each, and has read into the view what the topic holds of the last TTL
 * ({@link AnswerViewWarmup}). Until then no request is taken, so none is answered from an empty
 * view or waits for a result that could pass it by. The wait is part of the context's start, so a
 * SIGTERM that comes meanwhile takes effect when it ends (at most the warm-up's 30 s, or this 60 s
 * when Kafka cannot be reached).
 */
@Component
class LookupResultsReadiness implements SmartLifecycle {

    /** Between the results consumer's phase and the web server's. */
    static final int PHASE = WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE - 1;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final CountDownLatch positioned = new CountDownLatch(1);
    private volatile boolean running;

    void positioned() {
        positioned.countDown();
    }

    @Override
    public void start() {
        try {
            if (!positioned.await(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("Not positioned on the " + Topics.LOOKUP_RESULTS + " partitions within "
                        + READY_TIMEOUT.toSeconds() + " s; is Kafka reachable?");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the results consumer", ex);
        }
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
        return PHASE;
    }
}
