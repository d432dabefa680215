package dev.spamcheck.gateway.perimeter;

import java.util.List;
import java.util.Set;

import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.ReactorContextWebFilter;
import org.springframework.security.web.server.savedrequest.ServerRequestCacheWebFilter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A security chain whose filters each have their name worked out once, without the filters that
 * have nothing to do in a stateless bearer-token API.
 * <p>
 * Spring's web filter chain checkpoints every filter by its {@code toString()} on every request,
 * and Spring Security's filters inherit {@link Object#toString()} (class name and identity hash in
 * hex, inside the ordering wrapper's own concatenation): 2.9 % of the event loops' samples while
 * the gateway answered cache hits at saturation (JFR). Names and order are the chain's own.
 * <p>
 * {@code ServerHttpSecurity} adds three filters whatever is configured, each a checkpoint, a link
 * of the chain and a few operators on every request, for nothing here: the saved-request filter
 * (requests are never saved), the filter that loads the security context from its repository (no
 * context is ever stored: each request authenticates, and the authentication filter hands its
 * context on) and the one that puts the exchange into the Reactor context (read only by OAuth2
 * clients). The filter that makes the exchange's principal the authenticated one stays: the
 * exception translation asks for it to tell 401 from 403.
 */
final class NamedOnceFilterChain implements SecurityWebFilterChain {

    private static final Set<String> IDLE = Set.of(ServerRequestCacheWebFilter.class.getName(),
            ReactorContextWebFilter.class.getName(),
            // Package-private in ServerHttpSecurity.
            "org.springframework.security.config.web.server.ServerHttpSecurity$ServerWebExchangeReactorContextWebFilter");

    private final SecurityWebFilterChain chain;
    private final List<WebFilter> filters;

    NamedOnceFilterChain(SecurityWebFilterChain chain) {
        this.chain = chain;
        this.filters = chain.getWebFilters()
                .filter(filter -> !IDLE.contains(filter.getClass().getName()))
                .<WebFilter>map(Named::new)
                .collectList().block();
    }

    @Override
    public Mono<Boolean> matches(ServerWebExchange exchange) {
        return chain.matches(exchange);
    }

    @Override
    public Flux<WebFilter> getWebFilters() {
        return Flux.fromIterable(filters);
    }

    private record Named(WebFilter filter, String name) implements WebFilter {

        Named(WebFilter filter) {
            this(filter, filter.toString());
        }

        @Override
        public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
            return filter.filter(exchange, chain);
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
