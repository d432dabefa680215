package dev.spamcheck.worker.provider;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

import dev.spamcheck.schemas.config.InvalidConfigurationException;
import io.netty.util.NetUtil;

/** What every provider's settings must hold before its first call. */
public final class ProviderEndpoints {

    private ProviderEndpoints() {
    }

    /**
     * The credentials travel in every request: plain HTTP only to a stub on this machine.
     *
     * @param setting the environment variable that sets it, named in the error
     */
    public static void requireHttps(URI baseUrl, String setting) {
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        String host = baseUrl.getHost() == null ? "" : baseUrl.getHost();
        if (scheme.equals("https") || (scheme.equals("http") && isLoopback(host))) {
            return;
        }
        throw new InvalidConfigurationException(setting + " must be an https:// URL "
                + "(plain http is allowed only on loopback)");
    }

    public static void requireSet(String value, String setting) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigurationException(setting + " is not set");
        }
    }

    /** Decided on the literal, never by resolving the name. */
    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] address = NetUtil.createByteArrayFromIpAddressString(literal);
        try {
            return address != null && InetAddress.getByAddress(address).isLoopbackAddress();
        }
        catch (UnknownHostException ex) {
            return false;
        }
    }
}
