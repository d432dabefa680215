package dev.spamcheck.gateway.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import io.netty.channel.EventLoop;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * The event loop of an exchange's connection, as a Reactor {@link Scheduler}: work that resumes
 * there after waiting on another thread (Kafka's acknowledgement of the audit event) writes the
 * answer with one hand-off instead of two, with no pool thread between.
 */
public final class EventLoops {

    private static final Map<EventLoop, Scheduler> SCHEDULERS = new ConcurrentHashMap<>();

    private EventLoops() {
    }

    /** The connection's event loop; Reactor's parallel scheduler where there is none (a mock server). */
    public static Scheduler of(ServerWebExchange exchange) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        }
        catch (IllegalStateException mock) {
            // Spring's mock requests have none and say so.
            return Schedulers.parallel();
        }
        if (nativeRequest instanceof Connection connection) {
            return of(connection.channel().eventLoop());
        }
        return Schedulers.parallel();
    }

    /** The loop's scheduler, forgotten once the loop has stopped: a JVM may run gateway after gateway (devstack, tests). */
    static Scheduler of(EventLoop loop) {
        Scheduler known = SCHEDULERS.get(loop);
        if (known != null) {
            return known;
        }
        Scheduler scheduler = SCHEDULERS.computeIfAbsent(loop, Schedulers::fromExecutor);
        // Outside computeIfAbsent: on a loop that has stopped already, the listener runs at once.
        loop.terminationFuture().addListener(stopped -> SCHEDULERS.remove(loop));
        return scheduler;
    }

    static boolean knows(EventLoop loop) {
        return SCHEDULERS.containsKey(loop);
    }
}
