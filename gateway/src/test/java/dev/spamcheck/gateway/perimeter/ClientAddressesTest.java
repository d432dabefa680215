package dev.spamcheck.gateway.perimeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import dev.spamcheck.gateway.TestProperties;
import dev.spamcheck.schemas.config.InvalidConfigurationException;

class ClientAddressesTest {

    private static final InetSocketAddress PROXY = new InetSocketAddress("10.9.9.9", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("198.51.100.4", 40000);

    private final ClientAddresses xForwarded = addresses(Map.of());
    private final ClientAddresses forwarded = addresses(Map.of("spamcheck.forwarded-headers", "forwarded"));

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreIgnored() {
        ClientOrigin origin = xForwarded.resolve(from(STRANGER).header("X-Forwarded-For", "10.1.2.3")
                .header("X-Forwarded-Proto", "https").build());
        assertThat(origin.clientIp()).isEqualTo("198.51.100.4");
        assertThat(origin.viaTrustedProxy()).isFalse();
        assertThat(origin.https()).isFalse();
    }

    @Test
    void theClientIsTheRightMostHopThatIsNotATrustedProxy() {
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "10.1.2.3, 192.0.2.7").build()).clientIp())
                .isEqualTo("192.0.2.7");
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7, 10.1.2.3, 10.9.9.8").build())
                .clientIp()).isEqualTo("10.1.2.3");
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7")
                .header("X-Forwarded-For", "10.1.2.3").build()).clientIp()).isEqualTo("10.1.2.3");
    }

    @Test
    void aHopThatIsNoAddressLeavesTheClientUnknown() {
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "10.1.2.3, evil.example.com").build())
                .client()).isNull();
    }

    @Test
    void theSchemeIsTheOneTheProxyThatTookTheClientWrote() {
        // A client-written line comes first; the proxy appends its own.
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7")
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Proto", "http").build()).https()).isFalse();
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7")
                .header("X-Forwarded-Proto", "http, https").build()).https()).isTrue();
        // Behind two trusted proxies that each append, the first of their two is the edge proxy's.
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7, 10.9.9.8")
                .header("X-Forwarded-Proto", "http, https, http").build()).https()).isTrue();
        // A proxy that overwrites leaves one value: its own.
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "192.0.2.7, 10.9.9.8")
                .header("X-Forwarded-Proto", "https").build()).https()).isTrue();
    }

    @Test
    void onlyTheConfiguredHeaderFamilyCounts() {
        MockServerHttpRequest both = from(PROXY).header("X-Forwarded-For", "10.1.2.3").header("X-Forwarded-Proto", "https")
                .header("Forwarded", "for=192.0.2.7;proto=http").build();
        assertThat(xForwarded.resolve(both).clientIp()).isEqualTo("10.1.2.3");
        assertThat(xForwarded.resolve(both).https()).isTrue();
        assertThat(forwarded.resolve(both).clientIp()).isEqualTo("192.0.2.7");
        assertThat(forwarded.resolve(both).https()).isFalse();
    }

    @Test
    void forwardedElementsAreReadRightToLeftWithTheirOwnProto() {
        ClientOrigin origin = forwarded.resolve(from(PROXY)
                .header("Forwarded", "for=10.1.2.3;proto=http, for=\"[2001:db8::17]:4711\";proto=https").build());
        assertThat(origin.clientIp()).isEqualTo("2001:db8::17");
        assertThat(origin.https()).isTrue();
        assertThat(forwarded.resolve(from(PROXY).header("Forwarded", "for=_hidden;proto=https").build()).client()).isNull();
    }

    @Test
    void aTrustedPeerWithNoUntrustedHopIsItsOwnClientOrTheLeftMostHop() {
        // A request the proxy makes itself (a health check), and one relayed only between proxies.
        ClientOrigin direct = xForwarded.resolve(from(PROXY).build());
        assertThat(direct.clientIp()).isEqualTo("10.9.9.9");
        assertThat(direct.https()).isFalse();
        assertThat(xForwarded.resolve(from(PROXY).header("X-Forwarded-For", "10.9.9.8").build()).clientIp())
                .isEqualTo("10.9.9.8");
        assertThat(forwarded.resolve(from(PROXY).header("Forwarded", "for=10.9.9.8;proto=https").build()).clientIp())
                .isEqualTo("10.9.9.8");
    }

    @Test
    void aTrustedProxyInsideTheAllowListLendsItsStandingToNoClient() {
        // The proxies' block overlaps the allow-list: the client it names is judged on its own.
        ClientAddresses overlapping = addresses(Map.of("spamcheck.allowed-cidrs", "10.9.0.0/16",
                "spamcheck.trusted-proxies", "10.9.9.0/24"));
        ClientOrigin outsider = overlapping.resolve(from(PROXY).header("X-Forwarded-For", "203.0.113.9").build());
        assertThat(outsider.clientIp()).isEqualTo("203.0.113.9");
        assertThat(overlapping.isAllowed(outsider.client())).isFalse();
        // A client-written hop inside the proxies' block, left of an outsider, is not believed.
        ClientOrigin spoofed = overlapping.resolve(from(PROXY).header("X-Forwarded-For", "10.9.9.7, 203.0.113.9")
                .build());
        assertThat(spoofed.clientIp()).isEqualTo("203.0.113.9");
        assertThat(overlapping.isAllowed(spoofed.client())).isFalse();
        ClientOrigin insider = overlapping.resolve(from(PROXY).header("X-Forwarded-For", "10.9.1.2").build());
        assertThat(overlapping.isAllowed(insider.client())).isTrue();
    }

    @Test
    void theAllowListMatchesBlocksOfBothFamilies() throws Exception {
        assertThat(xForwarded.isAllowed(java.net.InetAddress.getByName("10.200.0.1"))).isTrue();
        assertThat(xForwarded.isAllowed(java.net.InetAddress.getByName("2001:db8::1"))).isTrue();
        assertThat(xForwarded.isAllowed(java.net.InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(xForwarded.isAllowed(null)).isFalse();
    }

    @Test
    void eachFamilyIsMatchedOnlyByBlocksOfItsOwn() throws Exception {
        // 32.1.13.184 has the bytes 20 01 0d b8, the start of 2001:db8::/32.
        assertThat(xForwarded.isAllowed(java.net.InetAddress.getByName("32.1.13.184"))).isFalse();
        // 2a01::1 starts with the byte 42: not in 42.0.0.0/8.
        ClientAddresses ipv4Only = addresses(Map.of("spamcheck.allowed-cidrs", "42.0.0.0/8",
                "spamcheck.trusted-proxies", "42.0.0.0/8"));
        assertThat(ipv4Only.isAllowed(java.net.InetAddress.getByName("2a01::1"))).isFalse();
        assertThat(ipv4Only.isAllowed(java.net.InetAddress.getByName("42.1.2.3"))).isTrue();
        // A trusted IPv4 block lends no standing to an IPv6 peer that shares its leading bits.
        ClientOrigin spoofing = ipv4Only.resolve(from(new InetSocketAddress("2a00::9", 40000))
                .header("X-Forwarded-For", "42.1.2.3").build());
        assertThat(spoofing.viaTrustedProxy()).isFalse();
        assertThat(spoofing.clientIp()).isEqualTo("2a00::9");
        // An IPv6 block longer than an IPv4 address is no error for an IPv4 client with its leading bytes.
        ClientAddresses longBlock = addresses(Map.of("spamcheck.allowed-cidrs", "2001:db8:1::/48"));
        assertThat(longBlock.isAllowed(java.net.InetAddress.getByName("32.1.13.184"))).isFalse();
        assertThat(longBlock.isAllowed(java.net.InetAddress.getByName("2001:db8:1::5"))).isTrue();
        // An IPv4 address written IPv4-mapped is an IPv4 entry; as a block it needs an IPv4 prefix.
        ClientAddresses mapped = addresses(Map.of("spamcheck.allowed-cidrs", "::ffff:10.0.0.5"));
        assertThat(mapped.isAllowed(java.net.InetAddress.getByName("10.0.0.5"))).isTrue();
        assertThat(mapped.isAllowed(java.net.InetAddress.getByName("a00::5"))).isFalse();
        assertThatThrownBy(() -> addresses(Map.of("spamcheck.allowed-cidrs", "::ffff:10.0.0.0/104")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_ALLOWED_CIDRS");
    }

    @Test
    void aHostNameIsNotAnAddressBlock() {
        assertThatThrownBy(() -> addresses(Map.of("spamcheck.trusted-proxies", "proxy.internal")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_TRUSTED_PROXIES");
        assertThatThrownBy(() -> addresses(Map.of("spamcheck.allowed-cidrs", "10.0.0.0/40")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_ALLOWED_CIDRS");
    }

    private static MockServerHttpRequest.BaseBuilder<?> from(InetSocketAddress peer) {
        return MockServerHttpRequest.post("/api/v1/spam_score").remoteAddress(peer);
    }

    private static ClientAddresses addresses(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "spamcheck.allowed-cidrs", "10.0.0.0/8,2001:db8::/32",
                "spamcheck.trusted-proxies", "10.9.9.8,10.9.9.9/32"));
        properties.putAll(overrides);
        return new ClientAddresses(TestProperties.gateway(properties));
    }
}
