package dev.spamcheck.gateway.auth;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * Verifies a presented token against {@code api_tokens}. What the database said about a token is
 * kept for at most {@link #VERIFIED_FOR} from when it was asked, so a burst of requests costs one
 * query, and a revoked token stops working on every gateway within that second.
 */
@Component
class TokenAuthenticationManager implements ReactiveAuthenticationManager {

    static final Duration VERIFIED_FOR = Duration.ofSeconds(1);
    /** How long a token the database found valid is let past its address's failed-authentication budget. */
    static final Duration VOUCHED_FOR = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(TokenAuthenticationManager.class);

    private final TokenStore tokens;
    private final Ticker ticker;
    private final AsyncCache<String, Verified> verified;
    /**
     * Tokens the database found valid within {@link #VOUCHED_FOR}, by hash: behind one address (a
     * NAT, Make's or HubSpot's shared egress) a caller whose token has gone bad spends the address's
     * failed-authentication budget, and the others' good tokens must still get through. Guessing
     * gains nothing from it: only a token that was valid is on it.
     */
    private final Cache<String, Boolean> vouched;

    @Autowired
    TokenAuthenticationManager(TokenStore tokens) {
        this(tokens, Ticker.systemTicker());
    }

    TokenAuthenticationManager(TokenStore tokens, Ticker ticker) {
        this.tokens = tokens;
        this.ticker = ticker;
        this.verified = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfter(new FromTheQuestion())
                .maximumSize(10_000)
                .buildAsync();
        this.vouched = Caffeine.newBuilder()
                .ticker(ticker)
                .expireAfterWrite(VOUCHED_FOR)
                .maximumSize(10_000)
                .build();
    }

    /** Whether the database found this token valid lately (its last answer, within the hour). */
    boolean vouchedFor(String secret) {
        return vouched.getIfPresent(HexFormat.of().formatHex(TokenSecrets.sha256(secret))) != null;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication presented) {
        return authenticate(presented, () -> {
        });
    }

    /**
     * @param beforeAsking run right before a token not found valid lately is asked about (no
     *        answer within the last second, none under way); it may throw an
     *        {@link AuthenticationException} for the request instead
     */
    Mono<Authentication> authenticate(Authentication presented, Runnable beforeAsking) {
        byte[] hash = TokenSecrets.sha256((String) presented.getCredentials());
        // Keyed by the hash: the cache never holds a token itself.
        String key = HexFormat.of().formatHex(hash);
        return Mono.fromFuture(() -> verified.get(key, (ignored, executor) -> {
                    if (vouched.getIfPresent(key) == null) {
                        beforeAsking.run();
                    }
                    long askedAt = ticker.read();
                    return tokens.findActive(hash)
                            .map(Optional::of)
                            .defaultIfEmpty(Optional.empty())
                            .map(token -> {
                                if (token.isPresent()) {
                                    vouched.put(key, Boolean.TRUE);
                                }
                                else {
                                    vouched.invalidate(key);
                                }
                                return new Verified(token, askedAt);
                            })
                            .toFuture();
                }), true)
                .onErrorMap(ex -> !(ex instanceof AuthenticationException), ex -> {
                    log.error("Cannot verify a token: {}", ex.getClass().getSimpleName());
                    return new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                            "The token cannot be verified right now; try again shortly", Duration.ofSeconds(5));
                })
                .flatMap(answer -> answer.token().<Mono<Authentication>>map(t -> Mono.just(TokenAuthentication.verified(t)))
                        .orElseGet(() -> Mono.error(new BadCredentialsException("The token is unknown or revoked"))));
    }

    /** What the database said about a token, and when it was asked ({@link Ticker} time). */
    private record Verified(Optional<ApiToken> token, long askedAt) {
    }

    /**
     * The second counts from the question, not from the answer: a token revoked just after the
     * database read it would otherwise work for the second plus however long the answer took.
     */
    private static final class FromTheQuestion implements Expiry<String, Verified> {

        @Override
        public long expireAfterCreate(String key, Verified answer, long now) {
            return Math.max(0, VERIFIED_FOR.toNanos() - (now - answer.askedAt()));
        }

        @Override
        public long expireAfterUpdate(String key, Verified answer, long now, long remaining) {
            return expireAfterCreate(key, answer, now);
        }

        @Override
        public long expireAfterRead(String key, Verified answer, long now, long remaining) {
            return remaining;
        }
    }
}
