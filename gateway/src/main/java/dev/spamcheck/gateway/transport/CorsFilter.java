package dev.spamcheck.gateway.transport;

import java.time.Duration;
import java.util.List;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * CORS for the internal web tool's origins ({@code SPAMCHECK_CORS_ORIGINS}) with Spring's CORS
 * processor. Preflights are answered here, before authentication, since browsers send them
 * without credentials; a refused origin gets a problem like every other error.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class CorsFilter implements WebFilter {

    private final CorsConfiguration configuration;
    private final DefaultCorsProcessor processor = new DefaultCorsProcessor();

    CorsFilter(GatewayProperties properties) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOrigins(properties.corsOrigins());
        cors.setAllowedMethods(List.of("GET", "POST", "DELETE"));
        cors.setAllowedHeaders(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE));
        cors.setExposedHeaders(List.of("X-Request-Id", HttpHeaders.RETRY_AFTER));
        cors.setMaxAge(Duration.ofHours(1));
        this.configuration = cors;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!CorsUtils.isCorsRequest(exchange.getRequest())) {
            return chain.filter(exchange);
        }
        if (!processor.process(configuration, exchange)) {
            return Mono.error(new ApiException(ErrorCode.FORBIDDEN, "This origin may not call the API"));
        }
        if (CorsUtils.isPreFlightRequest(exchange.getRequest())) {
            return Mono.empty();
        }
        return chain.filter(exchange);
    }
}
