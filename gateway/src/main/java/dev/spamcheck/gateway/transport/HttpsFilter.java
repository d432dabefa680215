package dev.spamcheck.gateway.transport;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.auth.ClientOrigin;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * Plain HTTP is accepted only from a loopback peer, or from a trusted proxy that says the client
 * used HTTPS ({@code X-Forwarded-Proto: https}). HTTPS responses carry HSTS.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 11)
class HttpsFilter implements WebFilter {

    static final String HSTS = "max-age=31536000; includeSubDomains";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ClientOrigin origin = ClientOrigin.of(exchange);
        boolean tls = exchange.getRequest().getSslInfo() != null;
        boolean httpsAtProxy = origin.viaTrustedProxy() && "https".equals(origin.forwardedProto());
        if (tls || httpsAtProxy) {
            exchange.getResponse().getHeaders().set("Strict-Transport-Security", HSTS);
            return chain.filter(exchange);
        }
        if (origin.peerLoopback() && !origin.viaTrustedProxy()) {
            return chain.filter(exchange);
        }
        return Mono.error(new ApiException(ErrorCode.FORBIDDEN, "HTTPS is required"));
    }
}
