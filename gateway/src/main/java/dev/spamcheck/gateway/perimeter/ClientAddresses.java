package dev.spamcheck.gateway.perimeter;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.util.matcher.InetAddressMatcher;
import org.springframework.security.util.matcher.InetAddressMatchers;
import org.springframework.stereotype.Component;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.GatewayProperties.ForwardedHeaders;
import dev.spamcheck.schemas.config.InvalidConfigurationException;
import io.netty.util.NetUtil;

/**
 * The allow-list ({@code SPAMCHECK_ALLOWED_CIDRS}) and the trusted proxies
 * ({@code SPAMCHECK_TRUSTED_PROXIES}), IPv4 and IPv6, and how a request's client is resolved.
 * Forwarding headers count only when the TCP peer is a trusted proxy, and only the family the
 * proxies write ({@code SPAMCHECK_FORWARDED_HEADERS}); the other is ignored, so a client cannot
 * add a header the proxy passes through untouched. Proxies append on the right, so hops are read
 * right to left: the client is the right-most hop that is not itself a trusted proxy, and the
 * scheme is the one written by the proxy that took the client's connection. Anything further
 * left could have been written by the client. Spring's own forwarded-header support is not used
 * because it believes the left-most hop.
 */
@Component
public class ClientAddresses {

    private final InetAddressMatcher allowed;
    private final InetAddressMatcher trusted;
    private final ForwardedHeaders headers;

    ClientAddresses(GatewayProperties properties) {
        this.allowed = matcher(properties.allowedCidrs(), "SPAMCHECK_ALLOWED_CIDRS");
        this.trusted = matcher(properties.trustedProxies(), "SPAMCHECK_TRUSTED_PROXIES");
        this.headers = properties.forwardedHeaders();
    }

    ClientOrigin resolve(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        boolean tls = request.getSslInfo() != null;
        boolean loopback = peer != null && peer.isLoopbackAddress();
        if (peer == null || !trusted.matches(peer)) {
            return new ClientOrigin(peer, false, loopback, tls);
        }
        return headers == ForwardedHeaders.FORWARDED
                ? fromForwarded(request.getHeaders(), peer, loopback, tls)
                : fromXForwarded(request.getHeaders(), peer, loopback, tls);
    }

    boolean isAllowed(InetAddress client) {
        return client != null && allowed.matches(client);
    }

    private ClientOrigin fromXForwarded(HttpHeaders headers, InetAddress peer, boolean loopback, boolean tls) {
        List<String> hops = values(headers.get("X-Forwarded-For"));
        InetAddress client = peer;
        int proxies = 1;
        for (int i = hops.size() - 1; i >= 0; i--) {
            client = NetUtil.createInetAddressFromIpAddressString(hops.get(i));
            if (client == null || !trusted.matches(client)) {
                break;
            }
            proxies++;
        }
        List<String> schemes = values(headers.get("X-Forwarded-Proto"));
        // Each relaying proxy appended at most one scheme; the first of theirs is the edge proxy's.
        String scheme = schemes.isEmpty() ? null : schemes.get(Math.max(0, schemes.size() - proxies));
        return new ClientOrigin(client, true, loopback, tls || "https".equalsIgnoreCase(scheme));
    }

    private ClientOrigin fromForwarded(HttpHeaders headers, InetAddress peer, boolean loopback, boolean tls) {
        List<String> elements = values(headers.get("Forwarded"));
        InetAddress client = peer;
        String scheme = null;
        for (int i = elements.size() - 1; i >= 0; i--) {
            String node = null;
            scheme = null;
            for (String pair : elements.get(i).split(";")) {
                String[] kv = pair.trim().split("=", 2);
                if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("for")) {
                    node = kv[1].trim();
                }
                else if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("proto")) {
                    scheme = kv[1].trim().replace("\"", "");
                }
            }
            client = node == null ? null : NetUtil.createInetAddressFromIpAddressString(forwardedAddress(node));
            if (client == null || !trusted.matches(client)) {
                break;
            }
        }
        return new ClientOrigin(client, true, loopback, tls || "https".equalsIgnoreCase(scheme));
    }

    /** The values of a list header, over all its lines, left to right. */
    private static List<String> values(List<String> lines) {
        List<String> values = new ArrayList<>();
        if (lines != null) {
            for (String line : lines) {
                for (String value : line.split(",")) {
                    if (!value.isBlank()) {
                        values.add(value.trim());
                    }
                }
            }
        }
        return values;
    }

    /** {@code "[2001:db8::1]:4711"} and {@code 192.0.2.1:80} to the bare address. */
    private static String forwardedAddress(String node) {
        String value = node.replace("\"", "");
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end > 0 ? value.substring(1, end) : value;
        }
        int colon = value.indexOf(':');
        return colon > 0 && value.indexOf(':', colon + 1) < 0 ? value.substring(0, colon) : value;
    }

    /**
     * One matcher per family, each address judged only by blocks of its own: Spring Security's
     * matcher compares a block's leading bits whatever the family, so {@code 2001:db8::/32} would
     * let in the IPv4 client 32.1.13.184, and a long IPv6 block would fail on an IPv4 address.
     */
    private static InetAddressMatcher matcher(List<String> blocks, String name) {
        List<String> ipv4 = new ArrayList<>();
        List<String> ipv6 = new ArrayList<>();
        for (String block : blocks) {
            String trimmed = block.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String address = trimmed.split("/", 2)[0];
            // By the address it is, as the matcher reads it: ::ffff:10.0.0.5 is an IPv4 address.
            InetAddress parsed = NetUtil.createInetAddressFromIpAddressString(address);
            if (parsed instanceof Inet4Address) {
                ipv4.add(trimmed.toLowerCase(Locale.ROOT));
            }
            else if (parsed instanceof Inet6Address) {
                ipv6.add(trimmed.toLowerCase(Locale.ROOT));
            }
            else {
                throw new InvalidConfigurationException(name + " has an entry that is not an IP address or CIDR block: '"
                        + trimmed + "'");
            }
        }
        InetAddressMatcher ipv4Matcher = family(ipv4, name);
        InetAddressMatcher ipv6Matcher = family(ipv6, name);
        return address -> address instanceof Inet4Address ? ipv4Matcher.matches(address)
                : address instanceof Inet6Address && ipv6Matcher.matches(address);
    }

    private static InetAddressMatcher family(List<String> blocks, String name) {
        if (blocks.isEmpty()) {
            return address -> false;
        }
        try {
            return InetAddressMatchers.builder().includeAddresses(blocks).build();
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidConfigurationException(name + " has an invalid entry: " + ex.getMessage());
        }
    }
}
