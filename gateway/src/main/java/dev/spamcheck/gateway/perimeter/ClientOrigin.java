package dev.spamcheck.gateway.perimeter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

import org.springframework.web.server.ServerWebExchange;

import io.netty.util.NetUtil;

/**
 * Where a request comes from, as far as can be believed: the client (from forwarding headers only
 * when the TCP peer is a trusted proxy), whether a trusted proxy relayed it, and whether the
 * client used HTTPS.
 *
 * @param client the client's address, or null when a trusted proxy named none usable
 * @param viaTrustedProxy whether the TCP peer is one of {@code SPAMCHECK_TRUSTED_PROXIES}
 * @param peerLoopback whether the TCP peer is a loopback address
 * @param https whether the client used HTTPS: to this gateway, or to the trusted proxy that says so
 */
public record ClientOrigin(InetAddress client, boolean viaTrustedProxy, boolean peerLoopback, boolean https) {

    private static final String ATTRIBUTE = ClientOrigin.class.getName();

    /** The origin the firewall resolved for the exchange; null before that. */
    public static ClientOrigin of(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE);
    }

    /** The client's address as text (IPv6 in its RFC 5952 short form), or {@code unknown}. */
    public String clientIp() {
        return client == null ? "unknown" : NetUtil.toAddressString(client);
    }

    /**
     * The exchange as the rest of the application sees it: the client as the remote address and
     * the client's scheme in the URI, so rules, headers and handlers read the standard request
     * properties. The peer's forwarding headers are never applied any other way
     * ({@code server.forward-headers-strategy: none}).
     */
    ServerWebExchange applyTo(ServerWebExchange exchange) {
        exchange.getAttributes().put(ATTRIBUTE, this);
        if (!viaTrustedProxy) {
            return exchange;
        }
        InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
        InetSocketAddress remote = client == null ? InetSocketAddress.createUnresolved("unknown", 0)
                : new InetSocketAddress(client, peer == null ? 0 : peer.getPort());
        URI uri = exchange.getRequest().getURI();
        String scheme = https ? "https" : "http";
        URI seen = URI.create(scheme + uri.toString().substring(uri.getScheme().length()));
        return exchange.mutate().request(request -> request.remoteAddress(remote).uri(seen)).build();
    }
}
