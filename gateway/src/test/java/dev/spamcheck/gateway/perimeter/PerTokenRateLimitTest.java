package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.auth.Role;
import dev.spamcheck.gateway.auth.TokenAuthentication;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

class PerTokenRateLimitTest {

    private final AtomicLong nanos = new AtomicLong();
    private final PerTokenRateLimit limit = new PerTokenRateLimit(2, nanos::get);
    private final AtomicInteger passed = new AtomicInteger();
    private final WebFilterChain chain = exchange -> Mono.fromRunnable(passed::incrementAndGet);

    @Test
    void aTokenOverItsRateIsAnswered429WithRetryAfterAndOthersAreNot() {
        assertThat(request("tok_a")).isNull();
        assertThat(request("tok_a")).isNull();
        ApiException refused = request("tok_a");
        assertThat(refused).isNotNull();
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(request("tok_b")).as("another token has its own budget").isNull();
        assertThat(passed).hasValue(3);
    }

    @Test
    void aTokenIdleForTheIdleTimeHoldsNoMemory() {
        for (int i = 0; i < 50; i++) {
            request("tok_" + i);
        }
        assertThat(limit.tokensHeld()).isEqualTo(50);

        nanos.addAndGet(PerTokenRateLimit.IDLE.minusSeconds(1).toNanos());
        request("tok_7");
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());

        assertThat(limit.tokensHeld()).as("only the token used since").isEqualTo(1);
    }

    /** The error the filter answered with, or null when it let the request through. */
    private ApiException request(String tokenId) {
        TokenAuthentication token = mock(TokenAuthentication.class);
        when(token.getPrincipal()).thenReturn(new ApiToken(tokenId, "test", Role.LOOKUP, Instant.EPOCH, null));
        MockServerWebExchange exchange = MockServerWebExchange.builder(MockServerHttpRequest.post("/api/v1/spam_score"))
                .principal(token).build();
        try {
            limit.filter(exchange, chain).block();
            return null;
        }
        catch (ApiException ex) {
            return ex;
        }
    }
}
