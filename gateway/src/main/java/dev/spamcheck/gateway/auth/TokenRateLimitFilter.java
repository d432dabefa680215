package dev.spamcheck.gateway.auth;

import java.time.Duration;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import reactor.core.publisher.Mono;

/**
 * Per-token request rate ({@code spamcheck.gateway.per-token-rate} requests per second, off when
 * 0): a token over its rate gets 429 with {@code Retry-After}, without waiting.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 40)
class TokenRateLimitFilter implements WebFilter {

    private final RateLimiterRegistry limiters;
    private final boolean enabled;

    TokenRateLimitFilter(GatewayProperties properties) {
        int rate = properties.gateway().perTokenRate();
        this.enabled = rate > 0;
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(Math.max(1, rate))
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ApiToken caller = Caller.of(exchange);
        if (!enabled || caller == null || limiters.rateLimiter(caller.id()).acquirePermission()) {
            return chain.filter(exchange);
        }
        return Mono.error(new ApiException(ErrorCode.TOO_MANY_REQUESTS,
                "This token is over its request rate; slow down", Duration.ofSeconds(1)));
    }
}
