package dev.spamcheck.gateway.auth;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/** Lets in only clients of the allow-list; runs before anything else looks at the request. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ClientAddressFilter implements WebFilter {

    private final ClientAddresses addresses;

    ClientAddressFilter(ClientAddresses addresses) {
        this.addresses = addresses;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ClientOrigin origin = addresses.resolve(exchange.getRequest());
        origin.attachTo(exchange);
        AuditedRequest.of(exchange).clientIp(origin.clientIp());
        if (!addresses.isAllowed(origin.clientIp())) {
            return Mono.error(new ApiException(ErrorCode.FORBIDDEN, "Requests from this address are not allowed"));
        }
        return chain.filter(exchange);
    }
}
