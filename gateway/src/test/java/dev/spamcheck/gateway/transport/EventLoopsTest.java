package dev.spamcheck.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;

/** Reactor schedulers for the connections' event loops, kept while a loop runs. */
class EventLoopsTest {

    @Test
    void aLoopKeepsItsSchedulerWhileItRunsAndIsForgottenOnceItStops() throws Exception {
        EventLoop loop = new DefaultEventLoop();
        assertThat(EventLoops.of(loop)).isSameAs(EventLoops.of(loop));
        assertThat(EventLoops.knows(loop)).isTrue();

        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5)).until(() -> !EventLoops.knows(loop));
    }

    @Test
    void aLoopThatHasStoppedAlreadyIsNotKept() throws Exception {
        EventLoop loop = new DefaultEventLoop();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);

        EventLoops.of(loop);

        await().atMost(Duration.ofSeconds(5)).until(() -> !EventLoops.knows(loop));
    }
}
