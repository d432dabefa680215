package dev.spamcheck.gateway.problem;

import java.util.UUID;

import org.springframework.web.server.ServerWebExchange;

/**
 * Every exchange's id, answered as {@code X-Request-Id} and in every problem body, that also names
 * the exchange in the audit trail. Client-sent ids are ignored so audit ids stay unique.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    private static final String ATTRIBUTE = RequestIds.class.getName();

    private RequestIds() {
    }

    /** Gives the exchange a new id and answers it on the response. */
    public static String assign(ServerWebExchange exchange) {
        String id = UUID.randomUUID().toString();
        exchange.getAttributes().put(ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return id;
    }

    public static String of(ServerWebExchange exchange) {
        String id = exchange.getAttribute(ATTRIBUTE);
        return id == null ? assign(exchange) : id;
    }
}
