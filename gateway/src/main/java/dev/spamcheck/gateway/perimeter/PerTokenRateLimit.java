package dev.spamcheck.gateway.perimeter;

import java.time.Duration;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.spamcheck.gateway.auth.TokenAuthentication;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import reactor.core.publisher.Mono;

/**
 * Per-token request rate ({@code spamcheck.gateway.per-token-rate} requests per second, off when
 * 0): a token over its rate gets 429 with {@code Retry-After}, without waiting. Runs in the
 * security chain after authorization, where the token is known. A token's limiter is forgotten
 * once the token has been idle for {@link #IDLE}: a limiter that old has its whole second's
 * budget again, so forgetting it changes no answer, and tokens that come and go hold no memory.
 */
final class PerTokenRateLimit implements WebFilter {

    static final Duration IDLE = Duration.ofMinutes(10);
    private static final long MOST_TOKENS = 100_000;

    private final RateLimiterConfig config;
    private final Cache<String, RateLimiter> limiters;

    PerTokenRateLimit(int rate) {
        this(rate, Ticker.systemTicker());
    }

    PerTokenRateLimit(int rate, Ticker ticker) {
        this.config = RateLimiterConfig.custom()
                .limitForPeriod(rate)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build();
        this.limiters = Caffeine.newBuilder()
                .expireAfterAccess(IDLE)
                .maximumSize(MOST_TOKENS)
                .ticker(ticker)
                .build();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return exchange.getPrincipal()
                .ofType(TokenAuthentication.class)
                .filter(token -> !limiter(token.getPrincipal().id()).acquirePermission())
                .flatMap(token -> Mono.<Void>error(new ApiException(ErrorCode.TOO_MANY_REQUESTS,
                        "This token is over its request rate; slow down", Duration.ofSeconds(1))))
                .switchIfEmpty(Mono.defer(() -> chain.filter(exchange)));
    }

    /** How many tokens have a limiter now. */
    long tokensHeld() {
        limiters.cleanUp();
        return limiters.estimatedSize();
    }

    private RateLimiter limiter(String tokenId) {
        return limiters.get(tokenId, id -> RateLimiter.of(id, config));
    }
}
