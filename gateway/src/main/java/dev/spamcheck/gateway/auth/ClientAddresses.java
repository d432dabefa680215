package dev.spamcheck.gateway.auth;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * The allow-list ({@code SPAMCHECK_ALLOWED_CIDRS}) and the trusted proxies
 * ({@code SPAMCHECK_TRUSTED_PROXIES}), IPv4 and IPv6. Forwarding headers count only when the TCP
 * peer is a trusted proxy; then the client is the right-most hop that is not itself a trusted
 * proxy, since hops further left could have been written by the client.
 */
@Component
class ClientAddresses {

    private final List<Cidr> allowed;
    private final List<Cidr> trusted;

    ClientAddresses(GatewayProperties properties) {
        this.allowed = blocks(properties.allowedCidrs(), "SPAMCHECK_ALLOWED_CIDRS");
        this.trusted = blocks(properties.trustedProxies(), "SPAMCHECK_TRUSTED_PROXIES");
    }

    boolean hasTrustedProxies() {
        return !trusted.isEmpty();
    }

    ClientOrigin resolve(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        String peerIp = peer == null ? "unknown" : peer.getHostAddress();
        boolean loopback = peer != null && peer.isLoopbackAddress();
        if (peer == null || !matchesAny(trusted, peerIp)) {
            return new ClientOrigin(peerIp, false, loopback, null);
        }
        List<String> hops = forwardedHops(request);
        String client = peerIp;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (!isIpLiteral(hop)) {
                client = "unknown";
                break;
            }
            client = hop;
            if (!matchesAny(trusted, hop)) {
                break;
            }
        }
        String proto = request.getHeaders().getFirst("X-Forwarded-Proto");
        return new ClientOrigin(client, true, loopback, proto == null ? null : proto.trim().toLowerCase(Locale.ROOT));
    }

    boolean isAllowed(String clientIp) {
        return isIpLiteral(clientIp) && matchesAny(allowed, clientIp);
    }

    private static List<String> forwardedHops(ServerHttpRequest request) {
        List<String> hops = new ArrayList<>();
        List<String> xff = request.getHeaders().get("X-Forwarded-For");
        if (xff != null && !xff.isEmpty()) {
            for (String header : xff) {
                for (String hop : header.split(",")) {
                    if (!hop.isBlank()) {
                        hops.add(hop.trim());
                    }
                }
            }
            return hops;
        }
        List<String> forwarded = request.getHeaders().get("Forwarded");
        if (forwarded != null) {
            for (String header : forwarded) {
                for (String element : header.split(",")) {
                    for (String pair : element.split(";")) {
                        String[] kv = pair.trim().split("=", 2);
                        if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("for")) {
                            hops.add(stripForwardedNode(kv[1].trim()));
                        }
                    }
                }
            }
        }
        return hops;
    }

    /** {@code "[2001:db8::1]:4711"} and {@code 192.0.2.1:80} to the bare address. */
    private static String stripForwardedNode(String node) {
        String value = node.replace("\"", "");
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end > 0 ? value.substring(1, end) : value;
        }
        int colon = value.indexOf(':');
        return colon > 0 && value.indexOf(':', colon + 1) < 0 ? value.substring(0, colon) : value;
    }

    private static boolean isIpLiteral(String value) {
        return Cidr.literal(value) != null;
    }

    private static boolean matchesAny(List<Cidr> blocks, String ip) {
        InetAddress address = Cidr.literal(ip);
        return address != null && blocks.stream().anyMatch(block -> block.contains(address));
    }

    private static List<Cidr> blocks(List<String> cidrs, String name) {
        List<Cidr> blocks = new ArrayList<>();
        for (String cidr : cidrs) {
            String trimmed = cidr.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                blocks.add(Cidr.parse(trimmed));
            }
            catch (IllegalArgumentException ex) {
                throw new InvalidConfigurationException(name + " has an invalid entry '" + trimmed + "': " + ex.getMessage());
            }
        }
        return List.copyOf(blocks);
    }
}
