package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A devstack's parts start all or nothing: none is left running when one fails or the start is interrupted. */
class StartTogetherTest {

    @Test
    void everyPartIsReadyOnceAwaited() throws Exception {
        try (StartTogether parts = new StartTogether()) {
            Future<Part> first = parts.start(Part::new);
            Future<Part> second = parts.start(Part::new);
            parts.await();

            assertThat(first.get().closed).isFalse();
            assertThat(second.get().closed).isFalse();
        }
    }

    @Test
    void whenOnePartFailsTheOthersAreClosedEvenThoseStillStartingAndItsFailureIsThrown() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        try (StartTogether parts = new StartTogether()) {
            Future<Part> started = parts.start(Part::new);
            Future<Part> slow = parts.start(() -> {
                // Still starting when the other fails.
                failed.await();
                return new Part();
            });
            parts.start(() -> {
                failed.countDown();
                throw new IOException("port taken");
            });

            assertThatThrownBy(parts::await).isInstanceOf(IOException.class).hasMessage("port taken");
            assertThat(started.get().closed).isTrue();
            assertThat(slow.get().closed).isTrue();
        }
    }

    @Test
    @Timeout(30)
    void anInterruptedStartWaitsForItsPartsThenClosesThem() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        try (StartTogether parts = new StartTogether()) {
            Future<Part> slow = parts.start(() -> {
                interrupted.await();
                return new Part();
            });
            Thread starting = Thread.currentThread();
            // The part is done only once the start waits for it, interrupted already.
            Thread release = new Thread(() -> {
                try {
                    await().atMost(Duration.ofSeconds(10)).until(() -> starting.getState() == Thread.State.WAITING);
                }
                finally {
                    interrupted.countDown();
                }
            });
            release.start();
            starting.interrupt();

            assertThatThrownBy(parts::await).isInstanceOf(InterruptedException.class);
            assertThat(slow.get().closed).as("started after the interrupt, and closed").isTrue();
            release.join();
        }
    }

    private static final class Part implements AutoCloseable {

        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
