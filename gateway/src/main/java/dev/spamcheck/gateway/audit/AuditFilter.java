package dev.spamcheck.gateway.audit;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/** Makes sure every response, whatever rejected or answered it, leaves an audit event behind. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class AuditFilter implements WebFilter {

    private final AuditTrail trail;

    AuditFilter(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        AuditedRequest.of(exchange);
        exchange.getResponse().beforeCommit(() -> trail.recordBeforeCommit(exchange));
        return chain.filter(exchange);
    }
}
