package dev.spamcheck.gateway.transport;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Mono;
import reactor.netty.channel.ChannelOperations;

/**
 * Ends the connections the graceful shutdown did not see. Reactor Netty takes the set of
 * connections to wait for in the instant it asks the listening socket to close, so a connection
 * accepted just then starts afterwards: nobody waits for it and nobody closes it, and once the
 * event loops stop its request lies unread until the client gives up (about one stop in twelve
 * of a gateway under sixteen kept-alive callers). After the web server has stopped, and before
 * its event loops do, this lets whatever such a connection still has in flight finish, as the
 * graceful shutdown would have, and then closes it; one that starts after that is closed unread,
 * so its client learns at once that it was not served.
 */
final class LateConnections implements SmartLifecycle {

    private final ChannelGroup connections = new DefaultChannelGroup("spamcheck-api", GlobalEventExecutor.INSTANCE);
    private volatile boolean closing;
    private volatile boolean running;

    /** Called as each connection starts, on its event loop, before anything of it has been read. */
    void track(Channel connection) {
        connections.add(connection);
        // Added before reading the flag, and stop() sets it before going through the connections:
        // one of the two sees the other, so no connection escapes both.
        if (closing) {
            // No request of it has been read, so no answer is owed: closed without the lingering
            // close, which needs a running loop that may already be gone.
            connection.config().setAutoRead(false);
            connection.unsafe().close(connection.voidPromise());
        }
    }

    @Override
    public void start() {
        closing = false;
        running = true;
    }

    @Override
    public void stop() {
        stop(() -> {
        });
    }

    @Override
    public void stop(Runnable callback) {
        closing = true;
        List<Mono<Void>> ended = connections.stream().map(LateConnections::finishThenClose).toList();
        Mono.when(ended).doFinally(signal -> {
            running = false;
            callback.run();
        }).subscribe();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Right after the web server has stopped, and long before the event loops do (phase 0). */
    @Override
    public int getPhase() {
        return WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE - 1;
    }

    /** On the connection's own loop, so no request can start between the look and the close. */
    private static Mono<Void> finishThenClose(Channel connection) {
        return Mono.<Mono<Void>>create(decided -> {
            try {
                connection.eventLoop().execute(() -> {
                    ChannelOperations<?, ?> exchange = ChannelOperations.get(connection);
                    if (exchange == null) {
                        connection.close();
                        decided.success(Mono.empty());
                    }
                    else {
                        decided.success(exchange.onTerminate().doFinally(signal -> exchange.dispose()));
                    }
                });
            }
            catch (RejectedExecutionException loopStopped) {
                // Its loop has stopped, and closed it.
                decided.success(Mono.empty());
            }
        }).flatMap(ended -> ended).onErrorComplete();
    }
}
