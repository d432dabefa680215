package dev.spamcheck.gateway.perimeter;

import java.time.Duration;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.auth.TokenAuthentication;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import reactor.core.publisher.Mono;

/**
 * Per-token request rate ({@code spamcheck.gateway.per-token-rate} requests per second, off when
 * 0): a token over its rate gets 429 with {@code Retry-After}, without waiting. Runs in the
 * security chain after authorization, where the token is known.
 */
final class PerTokenRateLimit implements WebFilter {

    private final RateLimiterRegistry limiters;

    PerTokenRateLimit(int rate) {
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(rate)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return exchange.getPrincipal()
                .ofType(TokenAuthentication.class)
                .filter(token -> !limiters.rateLimiter(token.getPrincipal().id()).acquirePermission())
                .flatMap(token -> Mono.<Void>error(new ApiException(ErrorCode.TOO_MANY_REQUESTS,
                        "This token is over its request rate; slow down", Duration.ofSeconds(1))))
                .switchIfEmpty(Mono.defer(() -> chain.filter(exchange)));
    }
}
