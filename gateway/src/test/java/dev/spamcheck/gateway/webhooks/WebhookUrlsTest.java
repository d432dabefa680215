package dev.spamcheck.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.gateway.problem.ApiException;

class WebhookUrlsTest {

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/spamcheck", "https://hooks.example.com:8443/a/b?x=1",
            "HTTPS://Hooks.Example.com/", "https://[2001:db8::1]/hook", "https://hooks.example.com:65535/"})
    void acceptsHttpsUrls(String url) {
        assertThat(WebhookUrls.check(url, false)).hasToString(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://hooks.example.com/", "ftp://hooks.example.com/", "https:/nohost",
            "https:///path", "hooks.example.com/path", "/relative", "mailto:ops@example.com",
            "https://user:pass@hooks.example.com/", "https://hooks.example.com/#frag", "https://exa mple.com/",
            "http://127.0.0.1:8080/", "http://localhost/hook", "http://[::1]/", "javascript:alert(1)",
            "https://hooks.example.com:0/", "https://hooks.example.com:65536/", "https://hooks.example.com:99999/"})
    void refusesOtherUrls(String url) {
        assertThatThrownBy(() -> WebhookUrls.check(url, false)).isInstanceOf(ApiException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://LOCALHOST:9/",
            "http://[::1]:7000/"})
    void acceptsPlainHttpToThisMachineOnlyWhenAllowed(String url) {
        assertThat(WebhookUrls.check(url, true)).hasToString(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.2/", "http://localhost.example.com/", "http://10.0.0.1/",
            "http://127.0.0.1@evil.example.com/"})
    void plainHttpElsewhereStaysRefusedWhenLoopbackIsAllowed(String url) {
        assertThatThrownBy(() -> WebhookUrls.check(url, true)).isInstanceOf(ApiException.class);
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongUrls() {
        String url = "https://hooks.example.com/" + "a".repeat(WebhookUrls.MAX_LENGTH);
        assertThatThrownBy(() -> WebhookUrls.check(url, false)).isInstanceOf(ApiException.class)
                .hasMessageContaining("2048");
    }
}
