package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The addresses a webhook may go to, including the IPv6 forms a name's AAAA record can hide an IPv4 one in. */
class ReceiverAddressesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "::1", "::", "fe80::1",
            "fd00::1", "fc00::1", "fec0::1",
            // IPv4-mapped, as a resolver hands an AAAA record over: an Inet6Address, not an Inet4Address.
            "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.5", "::ffff:100.64.0.1",
            // IPv4-compatible (deprecated) and NAT64 forms.
            "::127.0.0.1", "::10.0.0.5", "64:ff9b::a9fe:a9fe", "64:ff9b::6440:1", "64:ff9b::7f00:1",
            // A local-use NAT64 prefix, protocol assignments, benchmarking, class E and broadcast.
            "64:ff9b:1::a00:5", "64:ff9b:1:ffff::1", "192.0.0.8", "198.18.0.1", "198.19.255.254", "240.0.0.1",
            "255.255.255.255"})
    void refusesAddressesThatAreNotPublic(String address) throws Exception {
        assertThat(ReceiverAddresses.isPublic(asResolved(address))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"203.0.113.9", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1", "198.20.0.1",
            "64:ff9b:2::1",
            "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"})
    void acceptsPublicAddresses(String address) throws Exception {
        assertThat(ReceiverAddresses.isPublic(asResolved(address))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1"})
    void anIpv6AddressThatEmbedsAnIpv4OneIsJudgedAsTheIpv4OneItReaches(String address) throws Exception {
        assertThat(ReceiverAddresses.embeddedIpv4(asResolved(address))).isEqualTo(InetAddress.getByName("127.0.0.1"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"::1", "::", "2001:db8::1", "fe80::1"})
    void anyOtherIpv6AddressIsJudgedAsItIs(String address) throws Exception {
        assertThat(ReceiverAddresses.embeddedIpv4(asResolved(address))).isEqualTo(asResolved(address));
    }

    /**
     * The address as a name lookup returns it: a 16-byte answer stays an {@link Inet6Address}
     * (InetAddress.getByName would turn an IPv4-mapped literal into an IPv4 address).
     */
    private static InetAddress asResolved(String literal) throws UnknownHostException {
        byte[] bytes = InetAddress.getByName(literal).getAddress();
        if (literal.contains(":") && bytes.length == 4) {
            byte[] mappedOrCompatible = new byte[16];
            if (literal.startsWith("::ffff:")) {
                mappedOrCompatible[10] = (byte) 0xff;
                mappedOrCompatible[11] = (byte) 0xff;
            }
            System.arraycopy(bytes, 0, mappedOrCompatible, 12, 4);
            return Inet6Address.getByAddress("receiver.example", mappedOrCompatible, -1);
        }
        return bytes.length == 16 ? Inet6Address.getByAddress("receiver.example", bytes, -1)
                : InetAddress.getByAddress("receiver.example", bytes);
    }
}
