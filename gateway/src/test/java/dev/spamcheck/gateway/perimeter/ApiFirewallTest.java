package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.TestProperties;

class ApiFirewallTest {

    private final ApiFirewall firewall = new ApiFirewall(new ClientAddresses(TestProperties.gateway(Map.of())));

    @Test
    void admitsOrdinaryHeadersAndATabInAValue() {
        HttpHeaders headers = firewalled("X-Campaign", "spring\t2026 – café").getRequest().getHeaders();

        assertThat(headers.getFirst("X-Campaign")).isEqualTo("spring\t2026 – café");
        assertThat(headers.getFirst(HttpHeaders.AUTHORIZATION)).isEqualTo("Bearer sct_abc");
    }

    @Test
    void refusesControlCharactersAndUnassignedCharactersInHeaderValues() {
        for (String value : new String[] {"a\u0001b", "a\u007fb", "a\u0085b", "a\u0378b"}) {
            HttpHeaders headers = firewalled("X-Campaign", value).getRequest().getHeaders();

            assertThatThrownBy(() -> headers.getFirst("X-Campaign")).isInstanceOf(ServerExchangeRejectedException.class);
        }
    }

    @Test
    void refusesATabOrControlCharacterInAHeaderName() {
        HttpHeaders headers = firewalled("X-Cam\tpaign", "spring").getRequest().getHeaders();

        assertThatThrownBy(() -> headers.getFirst("X-Cam\tpaign")).isInstanceOf(ServerExchangeRejectedException.class);
    }

    /** The same verdicts as Spring Security's own patterns, character by character. */
    @Test
    void judgesEveryCharacterAsSpringSecuritysPatternsDo() {
        Pattern names = Pattern.compile("[\\p{IsAssigned}&&[^\\p{IsControl}]]*");
        Pattern values = Pattern.compile("[\\p{IsAssigned}&&[[^\\p{IsControl}]||\\t]]*");
        IntStream.range(0, 0x3_0000).forEach(c -> {
            String text = "a" + Character.toString(c) + "b";
            assertThat(ApiFirewall.isAssignedAndNotControl(text, false)).as("name U+%04X", c)
                    .isEqualTo(names.matcher(text).matches());
            assertThat(ApiFirewall.isAssignedAndNotControl(text, true)).as("value U+%04X", c)
                    .isEqualTo(values.matcher(text).matches());
        });
    }

    private ServerWebExchange firewalled(String header, String value) {
        MockServerHttpRequest request = MockServerHttpRequest.post("/api/v1/spam_score")
                .remoteAddress(new InetSocketAddress("127.0.0.1", 40000))
                .header(HttpHeaders.AUTHORIZATION, "Bearer sct_abc").header(header, value).build();
        return firewall.getFirewalledExchange(MockServerWebExchange.from(request)).block();
    }
}
