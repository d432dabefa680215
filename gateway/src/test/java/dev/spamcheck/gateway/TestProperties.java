package dev.spamcheck.gateway;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@link GatewayProperties} as Spring binds them, defaults included, for unit tests. */
public final class TestProperties {

    private TestProperties() {
    }

    /** @param properties {@code spamcheck.*} settings, e.g. {@code spamcheck.trusted-proxies} */
    public static GatewayProperties gateway(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("spamcheck", GatewayProperties.class);
    }
}
