package dev.spamcheck.gateway.auth;

import org.springframework.web.server.ServerWebExchange;

/** The authenticated token of a request, for handlers that need to know who asked. */
public final class Caller {

    private static final String ATTRIBUTE = Caller.class.getName();

    private Caller() {
    }

    static void attach(ServerWebExchange exchange, ApiToken token) {
        exchange.getAttributes().put(ATTRIBUTE, token);
    }

    public static ApiToken of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }
}
