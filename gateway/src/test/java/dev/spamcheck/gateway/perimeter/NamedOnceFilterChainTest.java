package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.web.server.MatcherSecurityWebFilterChain;
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
}
