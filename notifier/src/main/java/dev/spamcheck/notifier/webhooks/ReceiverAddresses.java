package dev.spamcheck.notifier.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

import org.springframework.security.util.matcher.InetAddressMatcher;
import org.springframework.security.util.matcher.InetAddressMatchers;

/**
 * Which addresses a webhook may be delivered to: public ones only, so that a subscription cannot
 * make the notifier reach the services beside it (loopback, private and unique-local networks,
 * link-local addresses such as cloud metadata, the shared address space some clusters use).
 */
final class ReceiverAddresses {

    private static final InetAddressMatcher EXTERNAL = InetAddressMatchers.matchExternal().build();
    // Beyond what the matcher counts as internal: the shared address space of carrier-grade NAT,
    // which some clusters give their pods and services, "this network", the IETF's protocol
    // assignments, the benchmarking range and the reserved class E, which some networks use
    // inside. Each family's blocks only for its own addresses: the matcher compares a block's
    // leading bytes whatever the family, so 0.0.0.0/8 would also take in every IPv6 address that
    // starts with a zero byte.
    private static final InetAddressMatcher IPV4_NOT_PUBLIC = InetAddressMatchers.builder()
            .includeAddresses(List.of("100.64.0.0/10", "0.0.0.0/8", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4"))
            .build();
    // The local-use NAT64 prefix (RFC 8215): its translator is this network's own, and reaches
    // whatever it is set up to, private addresses included.
    private static final InetAddressMatcher IPV6_NOT_PUBLIC = InetAddressMatchers.builder()
            .includeAddresses(List.of("64:ff9b:1::/48")).build();
    private static final byte[] NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

    private ReceiverAddresses() {
    }

    /** Whether every address the host has is public; a host without any fails as unknown. */
    static boolean allPublic(String host) throws UnknownHostException {
        return Arrays.stream(InetAddress.getAllByName(host)).allMatch(ReceiverAddresses::isPublic);
    }

    /**
     * Judged as the IPv4 address it reaches when it embeds one: a name's AAAA record may hold
     * {@code ::ffff:127.0.0.1} (the JDK keeps it as an IPv6 address, and a dual-stack socket
     * connects it to 127.0.0.1), the deprecated {@code ::127.0.0.1}, or a NAT64 form
     * ({@code 64:ff9b::/96}) of any address.
     */
    static boolean isPublic(InetAddress address) {
        InetAddress reached = embeddedIpv4(address);
        return EXTERNAL.matches(reached) && !(reached instanceof Inet4Address && IPV4_NOT_PUBLIC.matches(reached))
                && !(reached instanceof Inet6Address && IPV6_NOT_PUBLIC.matches(reached));
    }

    /** The IPv4 address an IPv6 one embeds (mapped, compatible, NAT64); any other as it is. */
    static InetAddress embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        boolean zeros = allZero(bytes, 0, 10);
        boolean mapped = zeros && bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
        boolean compatible = zeros && bytes[10] == 0 && bytes[11] == 0 && !allZero(bytes, 12, 16);
        boolean nat64 = Arrays.equals(bytes, 0, 12, NAT64_PREFIX, 0, 12);
        if (!(mapped || compatible || nat64) || address.isLoopbackAddress()) {
            return address;
        }
        try {
            return Inet4Address.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
        }
        catch (UnknownHostException ex) {
            throw new IllegalStateException("four bytes are always an IPv4 address", ex);
        }
    }

    private static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
