package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** How long what the database said about a token is believed: one second from the question. */
class TokenAuthenticationManagerTest {

    private static final ApiToken TOKEN = new ApiToken("tok_0123456789ab", "ci", Role.LOOKUP, Instant.EPOCH, null);
    private static final String SECRET = "sct_presented";

    private final AtomicLong nanos = new AtomicLong();
    private final TokenStore store = mock(TokenStore.class);
    private final TokenAuthenticationManager manager = new TokenAuthenticationManager(store, nanos::get);

    @Test
    void aTokenRevokedWhileItsCheckWasAnsweredStopsWorkingOneSecondAfterTheQuestion() {
        Sinks.One<ApiToken> slowAnswer = Sinks.one();
        when(store.findActive(any())).thenReturn(slowAnswer.asMono());
        CompletableFuture<Authentication> first = manager.authenticate(TokenAuthentication.presented(SECRET)).toFuture();
        // The database read the row at once, and its answer took 400 ms to arrive.
        advance(Duration.ofMillis(400));
        slowAnswer.tryEmitValue(TOKEN);
        assertThat(first.join().isAuthenticated()).isTrue();

        // Revoked just after that read.
        when(store.findActive(any())).thenReturn(Mono.empty());
        advance(Duration.ofMillis(599));
        assertThat(manager.authenticate(TokenAuthentication.presented(SECRET)).block().isAuthenticated()).isTrue();
        advance(Duration.ofMillis(2));
        assertThatThrownBy(() -> manager.authenticate(TokenAuthentication.presented(SECRET)).block())
                .isInstanceOf(BadCredentialsException.class);
    }

    @Test
    void withinTheSecondABurstCostsOneQuery() {
        when(store.findActive(any())).thenReturn(Mono.just(TOKEN));
        for (int i = 0; i < 5; i++) {
            assertThat(manager.authenticate(TokenAuthentication.presented(SECRET)).block().isAuthenticated()).isTrue();
            advance(Duration.ofMillis(100));
        }
        verify(store, times(1)).findActive(any());
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
