package dev.spamcheck.gateway.transport;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * The actuator's own server on the management port. Spring Boot hands it the application's web
 * filters too, so the API's audit and perimeter use this to leave health checks and metrics
 * alone: the port is bound to loopback and carries no caller data.
 */
public final class ManagementServer {

    private ManagementServer() {
    }

    public static boolean handles(ServerWebExchange exchange) {
        return exchange.getApplicationContext() != null
                && WebServerApplicationContext.hasServerNamespace(exchange.getApplicationContext(), "management");
    }
}
