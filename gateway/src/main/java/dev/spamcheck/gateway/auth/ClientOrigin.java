package dev.spamcheck.gateway.auth;

import org.springframework.web.server.ServerWebExchange;

/**
 * Where a request comes from, as far as can be believed: the client address (from
 * {@code X-Forwarded-For} or {@code Forwarded} only when the peer is a trusted proxy), whether a
 * trusted proxy relayed it, and the scheme that proxy says the client used.
 *
 * @param clientIp the client's address, or {@code unknown} when a trusted proxy named none usable
 * @param viaTrustedProxy whether the TCP peer is one of {@code SPAMCHECK_TRUSTED_PROXIES}
 * @param peerLoopback whether the TCP peer is a loopback address
 * @param forwardedProto {@code X-Forwarded-Proto} from a trusted proxy, else null
 */
public record ClientOrigin(String clientIp, boolean viaTrustedProxy, boolean peerLoopback, String forwardedProto) {

    private static final String ATTRIBUTE = ClientOrigin.class.getName();

    public static ClientOrigin of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    void attachTo(ServerWebExchange exchange) {
        exchange.getAttributes().put(ATTRIBUTE, this);
    }
}
