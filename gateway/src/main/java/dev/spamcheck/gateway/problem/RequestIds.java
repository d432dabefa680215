package dev.spamcheck.gateway.problem;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

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
        String id = timeOrdered().toString();
        exchange.getAttributes().put(ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return id;
    }

    /**
     * A version 7 UUID (RFC 9562: Unix milliseconds, then 74 random bits): unique and in time
     * order, which suits the audit table's index. Not a secret, so {@link ThreadLocalRandom}
     * instead of {@code UUID.randomUUID()}'s one {@code SecureRandom} all event loops queue for.
     * Written here because Java 17 has no version 7, and java-uuid-generator's takes a global lock
     * per id to keep ids monotonic within a millisecond, which nothing here needs.
     */
    static UUID timeOrdered() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long mostSignificant = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long leastSignificant = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant);
    }

    public static String of(ServerWebExchange exchange) {
        String id = exchange.getAttribute(ATTRIBUTE);
        return id == null ? assign(exchange) : id;
    }
}
