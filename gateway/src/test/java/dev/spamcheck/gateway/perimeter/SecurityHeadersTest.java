package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class SecurityHeadersTest {

    private final SecurityHeaders writer = new SecurityHeaders();

    @Test
    void anHttpsAnswerAlsoTellsBrowsersToUseHttpsForAYearWithSubDomains() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("https://spamcheck.example/api/v1/openapi.yaml"));

        writer.writeHttpHeaders(exchange).block();

        HttpHeaders headers = exchange.getResponse().getHeaders();
        assertThat(headers.getFirst("Strict-Transport-Security")).isEqualTo("max-age=31536000 ; includeSubDomains");
        assertThat(headers.getFirst("X-Frame-Options")).isEqualTo("DENY");
    }

    @Test
    void aHeaderTheAnswerAlreadyHasIsKeptAndTheOthersAreAdded() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("http://localhost/api/v1/openapi.yaml"));
        exchange.getResponse().getHeaders().setCacheControl("max-age=3600");

        writer.writeHttpHeaders(exchange).block();

        HttpHeaders headers = exchange.getResponse().getHeaders();
        assertThat(headers.get(HttpHeaders.CACHE_CONTROL)).containsExactly("max-age=3600");
        assertThat(headers.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(headers.getFirst("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(headers.containsHeader("Strict-Transport-Security")).isFalse();
    }
}
