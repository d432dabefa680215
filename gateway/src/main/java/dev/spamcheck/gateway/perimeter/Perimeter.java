package dev.spamcheck.gateway.perimeter;

import java.util.Optional;

import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * Who may knock at all, whatever their token: clients of the allow-list, over HTTPS. Plain HTTP
 * is accepted only from a loopback peer that no trusted proxy relays (the gateway then listens on
 * loopback only), or from a trusted proxy that says the client used HTTPS. Decided on the
 * {@link ClientOrigin} the firewall resolved.
 */
@Component
class Perimeter {

    private final ClientAddresses addresses;

    Perimeter(ClientAddresses addresses) {
        this.addresses = addresses;
    }

    /** Whether the exchange comes from inside: from the allow-list, over HTTPS. */
    boolean admits(ServerWebExchange exchange) {
        return allowed(exchange) && secure(exchange);
    }

    /** Requests from inside the perimeter: the only ones whose credentials are read. */
    ServerWebExchangeMatcher inside() {
        return exchange -> matchIf(admits(exchange));
    }

    /** Why the perimeter turns the exchange away, if it does. */
    Optional<ApiException> rejection(ServerWebExchange exchange) {
        if (!allowed(exchange)) {
            return Optional.of(new ApiException(ErrorCode.FORBIDDEN, "Requests from this address are not allowed"));
        }
        if (!secure(exchange)) {
            return Optional.of(new ApiException(ErrorCode.FORBIDDEN, "HTTPS is required"));
        }
        return Optional.empty();
    }

    private boolean allowed(ServerWebExchange exchange) {
        ClientOrigin origin = ClientOrigin.of(exchange);
        return origin != null && addresses.isAllowed(origin.client());
    }

    private static boolean secure(ServerWebExchange exchange) {
        ClientOrigin origin = ClientOrigin.of(exchange);
        return origin != null && (origin.https() || (origin.peerLoopback() && !origin.viaTrustedProxy()));
    }

    private static Mono<MatchResult> matchIf(boolean condition) {
        return condition ? MatchResult.match() : MatchResult.notMatch();
    }
}
