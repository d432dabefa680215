package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.MatcherSecurityWebFilterChain;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.handler.DefaultWebFilterChain;

import reactor.core.publisher.Mono;

class NamedOnceFilterChainTest {

    @Test
    void theChainKeepsItsMatcherAndItsFiltersInOrderUnderTheirOwnNames() {
        List<String> ran = new ArrayList<>();
        WebFilter first = (exchange, chain) -> {
            ran.add("first");
            return chain.filter(exchange);
        };
        WebFilter second = (exchange, chain) -> {
            ran.add("second");
            return chain.filter(exchange);
        };
        NamedOnceFilterChain named = new NamedOnceFilterChain(new MatcherSecurityWebFilterChain(
                ServerWebExchangeMatchers.pathMatchers("/api/**"), List.of(first, second)));

        List<WebFilter> filters = named.getWebFilters().collectList().block();
        assertThat(filters).extracting(WebFilter::toString).containsExactly(first.toString(), second.toString());
        new DefaultWebFilterChain(exchange -> Mono.fromRunnable(() -> ran.add("handler")), filters)
                .filter(MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/x"))).block();
        assertThat(ran).containsExactly("first", "second", "handler");
        assertThat(named.matches(MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/x"))).block()).isTrue();
        assertThat(named.matches(MockServerWebExchange.from(MockServerHttpRequest.get("/other"))).block()).isFalse();
    }

    @Test
    void theFiltersThatHaveNothingToDoInABearerTokenApiAreLeftOut() {
        SecurityWebFilterChain built = ServerHttpSecurity.http()
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .build();
        List<String> before = names(built);
        assertThat(before).contains("ServerRequestCacheWebFilter", "ReactorContextWebFilter",
                "ServerHttpSecurity$ServerWebExchangeReactorContextWebFilter");

        List<String> after = names(new NamedOnceFilterChain(built));
        assertThat(after).doesNotContain("ServerRequestCacheWebFilter", "ReactorContextWebFilter",
                        "ServerHttpSecurity$ServerWebExchangeReactorContextWebFilter")
                .contains("SecurityContextServerWebExchangeWebFilter", "HttpHeaderWriterWebFilter")
                .hasSize(before.size() - 3);
    }

    /** The filters' classes without their packages (identity hashes aside), in order. */
    private static List<String> names(SecurityWebFilterChain chain) {
        return chain.getWebFilters()
                .map(filter -> filter.toString().replaceAll("@[0-9a-f]+$", "").replaceAll("^.*\\.", ""))
                .collectList().block();
    }
}
