package dev.spamcheck.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which Host headers Reactor Netty can take; the rest are answered as problems (HostileRequestsSystemTest). */
class RequestTargetGuardTest {

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com", "api.example.com:443", "10.0.0.7:8080", "[::1]", "[::1]:8080",
            "localhost:", "h:0", "h:65535", ""})
    void aNameOrAddressWithAnOptionalPortIsAHost(String host) {
        assertThat(RequestTargetGuard.isHost(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x:abc", "x:99999", "x:65536", "x:-1", "x:+80", "x:١٢٣", "[::1", "[::1]x", "[::1]:http",
            "a:b:c", "x:8080 "})
    void anythingElseIsNot(String host) {
        assertThat(RequestTargetGuard.isHost(host)).isFalse();
    }
}
