package dev.spamcheck.gateway.transport;

import java.time.Duration;
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
 * event loops stop its request lies unread until the client gives up (about one stop in ten of a
 * gateway under sixteen kept-alive callers). After the web server has stopped, and before its
 * event loops do, this lets whatever such a connection still has in flight finish, as the
 * graceful shutdown would have, for as long as a lookup may take, and then closes it; one that
 * starts after that is closed unread, so its client learns at once that it was not served.
 * (HTTP/1.1 connections, the only kind the gateway serves: one exchange in flight at most.)
 */
final class LateConnections implements SmartLifecycle {

    private final ChannelGroup connections = new DefaultChannelGroup("spamcheck-api", GlobalEventExecutor.INSTANCE);
    private final Duration longestExchange;
    private final Object lock = new Object();
    /** Guarded by the lock: a connection is either in the set stop() ends or sees this set. */
    private boolean closing;
    private volatile boolean running;

    /** @param longestExchange how long an exchange in flight may still take (a lookup's timeout, and a little) */
    LateConnections(Duration longestExchange) {
        this.longestExchange = longestExchange;
    }

    /** Called as each connection starts, on its event loop, before anything of it has been read. */
    void track(Channel connection) {
        boolean late;
        synchronized (lock) {
            connections.add(connection);
            late = closing;
        }
        if (late) {
            // No request of it has been read, so no answer is owed: closed without the lingering
            // close, which needs a running loop that may already be gone.
            connection.config().setAutoRead(false);
            connection.unsafe().close(connection.voidPromise());
        }
    }

    @Override
    public void start() {
        synchronized (lock) {
            closing = false;
        }
        running = true;
    }

    @Override
    public void stop() {
        stop(() -> {
        });
    }

    @Override
    public void stop(Runnable callback) {
        List<Channel> open;
        synchronized (lock) {
            closing = true;
            open = List.copyOf(connections);
        }
        running = false;
        // Bounded: a connection the graceful shutdown gave up on (a client that stopped reading)
        // must not hold the stop for another phase's timeout.
        Mono.when(open.stream().map(LateConnections::finishThenClose).toList())
                .timeout(longestExchange, Mono.empty())
                .doFinally(signal -> {
                    connections.close();
                    callback.run();
                })
                .subscribe();
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
