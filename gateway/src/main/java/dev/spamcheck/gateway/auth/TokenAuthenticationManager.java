package dev.spamcheck.gateway.auth;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * Verifies a presented token against {@code api_tokens}. What the database said about a token is
 * kept for at most {@link #VERIFIED_FOR}, so a burst of requests costs one query, and a revoked
 * token stops working on every gateway within that second.
 */
@Component
class TokenAuthenticationManager implements ReactiveAuthenticationManager {

    static final Duration VERIFIED_FOR = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(TokenAuthenticationManager.class);

    private final TokenStore tokens;
    private final AsyncCache<String, Optional<ApiToken>> verified = Caffeine.newBuilder()
            .expireAfterWrite(VERIFIED_FOR)
            .maximumSize(10_000)
            .buildAsync();

    TokenAuthenticationManager(TokenStore tokens) {
        this.tokens = tokens;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication presented) {
        byte[] hash = TokenSecrets.sha256((String) presented.getCredentials());
        // Keyed by the hash: the cache never holds a token itself.
        String key = HexFormat.of().formatHex(hash);
        return Mono.fromFuture(() -> verified.get(key, (ignored, executor) -> tokens.findActive(hash)
                        .map(Optional::of)
                        .defaultIfEmpty(Optional.empty())
                        .toFuture()), true)
                .onErrorMap(ex -> !(ex instanceof AuthenticationException), ex -> {
                    log.error("Cannot verify a token: {}", ex.getClass().getSimpleName());
                    return new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                            "The token cannot be verified right now; try again shortly", Duration.ofSeconds(5));
                })
                .flatMap(token -> token.<Mono<Authentication>>map(t -> Mono.just(TokenAuthentication.verified(t)))
                        .orElseGet(() -> Mono.error(new BadCredentialsException("The token is unknown or revoked"))));
    }
}
