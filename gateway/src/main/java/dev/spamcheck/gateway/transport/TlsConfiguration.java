package dev.spamcheck.gateway.transport;

import java.net.InetAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

import dev.spamcheck.gateway.GatewayProperties;

/**
 * HTTPS with the PEM certificate and key of the {@code gateway} SSL bundle (TLS 1.2 and 1.3)
 * when {@code SPAMCHECK_TLS_CERTIFICATE} is set. Without a certificate the gateway serves plain
 * HTTP on loopback only, unless trusted proxies terminate TLS in front of it.
 */
@Component
class TlsConfiguration implements WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory>, Ordered {

    static final String BUNDLE = "gateway";
    private static final Logger log = LoggerFactory.getLogger(TlsConfiguration.class);

    private final GatewayProperties properties;

    TlsConfiguration(GatewayProperties properties) {
        this.properties = properties;
    }

    @Override
    public void customize(ConfigurableReactiveWebServerFactory factory) {
        if (properties.tls().enabled()) {
            Ssl ssl = Ssl.forBundle(BUNDLE);
            ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            factory.setSsl(ssl);
            log.info("Serving HTTPS (TLS 1.2+) with the configured certificate");
        }
        else if (!properties.trustedProxies().isEmpty()) {
            log.info("Serving plain HTTP behind trusted proxies {}: requests must arrive with X-Forwarded-Proto: https",
                    properties.trustedProxies());
        }
        else {
            factory.setAddress(InetAddress.getLoopbackAddress());
            log.info("Serving plain HTTP on loopback only: no certificate (SPAMCHECK_TLS_CERTIFICATE) and no trusted proxies");
        }
    }

    /** After Spring Boot's own customizer, which applies server.* properties. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
