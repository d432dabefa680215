package dev.spamcheck.gateway.webhooks;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

import dev.spamcheck.gateway.problem.JsonBodies;

/**
 * Which URLs a subscription may name: absolute {@code https://} URLs with a host and without
 * credentials or fragment (the URL is listed back to every admin and written to logs). Plain
 * {@code http://} only to this machine, and only when the operator allows it (the devstack).
 */
final class WebhookUrls {

    static final int MAX_LENGTH = 2048;

    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "[::1]", "localhost");

    private WebhookUrls() {
    }

    /** The URL to deliver to; {@code invalid_request} saying why when it may not be one. */
    static URI check(String url, boolean allowInsecureLoopback) {
        if (url.length() > MAX_LENGTH) {
            throw JsonBodies.invalid("url must not exceed " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        }
        catch (URISyntaxException ex) {
            throw JsonBodies.invalid("url is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw JsonBodies.invalid("url must be an absolute https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw JsonBodies.invalid("url must not hold credentials; deliveries are signed instead");
        }
        if (uri.getRawFragment() != null) {
            throw JsonBodies.invalid("url must not have a fragment");
        }
        // java.net.URI takes any digits as a port: every delivery to 0 or 99999 would fail for a day.
        if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
            throw JsonBodies.invalid("url's port must be between 1 and 65535");
        }
        boolean loopback = LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT));
        if (scheme.equals("https") || (scheme.equals("http") && loopback && allowInsecureLoopback)) {
            return uri;
        }
        if (scheme.equals("http") && loopback) {
            throw JsonBodies.invalid("url must use https; http to this machine needs "
                    + "SPAMCHECK_WEBHOOKS_ALLOW_INSECURE_LOOPBACK=true");
        }
        throw JsonBodies.invalid("url must use https");
    }
}
