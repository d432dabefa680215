package dev.spamcheck.gateway.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare
 * address is a block of one. Only literals are accepted: a host name would make
 * {@link InetAddress} resolve it through DNS.
 */
record Cidr(byte[] network, int prefixLength) {

    private static final Pattern IP_LITERAL = Pattern.compile(
            "[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    static Cidr parse(String value) {
        String[] parts = value.trim().split("/", 2);
        InetAddress address = literal(parts[0]);
        if (address == null) {
            throw new IllegalArgumentException("not an IP address or CIDR block");
        }
        int maxBits = address.getAddress().length * 8;
        int prefix;
        try {
            prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : maxBits;
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("not a prefix length");
        }
        if (prefix < 0 || prefix > maxBits) {
            throw new IllegalArgumentException("prefix length out of range");
        }
        return new Cidr(address.getAddress(), prefix);
    }

    /** The address, or null when the text is not an IP literal. */
    static InetAddress literal(String value) {
        if (value == null || !IP_LITERAL.matcher(value).matches()) {
            return null;
        }
        try {
            return InetAddress.getByName(value);
        }
        catch (UnknownHostException ex) {
            return null;
        }
    }

    boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
    }
}
