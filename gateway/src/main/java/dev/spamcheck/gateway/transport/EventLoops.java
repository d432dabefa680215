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
            return SCHEDULERS.computeIfAbsent(connection.channel().eventLoop(), Schedulers::fromExecutor);
        }
        return Schedulers.parallel();
    }
}
