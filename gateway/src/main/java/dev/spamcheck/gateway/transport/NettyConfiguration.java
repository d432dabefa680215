package dev.spamcheck.gateway.transport;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.config.InvalidConfigurationException;
import reactor.netty.NettyPipeline;

/**
 * The HTTP server's connections: the {@link RequestTargetGuard} and a {@link LingeringClose} in
 * every pipeline, and a read timeout, so a client that stops sending in the middle of a request
 * loses its connection instead of holding it ({@code server.netty.idle-timeout} closes
 * connections idle between requests). {@link LateConnections} sees every connection start.
 */
@Configuration(proxyBeanMethods = false)
class NettyConfiguration {

    private static final RequestTargetGuard GUARD = new RequestTargetGuard();

    @Bean
    LateConnections lateConnections(GatewayProperties properties) {
        // A lookup waits at most its timeout for the worker's answer, then the audit's acknowledgement.
        return new LateConnections(properties.lookupTimeout().plusSeconds(2));
    }

    @Bean
    NettyServerCustomizer requestGuardAndReadTimeout(GatewayProperties properties,
            @Value("${server.port:8080}") int apiPort, @Value("${management.server.port:-1}") int managementPort,
            LateConnections lateConnections) {
        requireSeparatePorts(apiPort, managementPort);
        return server -> server
                .readTimeout(properties.gateway().readTimeout())
                .doOnChannelInit((observer, channel, remote) -> {
                    channel.pipeline().addFirst("spamcheck.lingeringClose", new LingeringClose());
                    if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                        channel.pipeline().addAfter(NettyPipeline.HttpCodec, "spamcheck.requestTargetGuard", GUARD);
                    }
                    lateConnections.track(channel);
                });
    }

    /** On the API port the actuator would be served outside the management port's loopback-only binding. */
    private static void requireSeparatePorts(int apiPort, int managementPort) {
        if (apiPort > 0 && apiPort == managementPort) {
            throw new InvalidConfigurationException("SPAMCHECK_MANAGEMENT_PORT must differ from SPAMCHECK_HTTP_PORT ("
                    + apiPort + ")");
        }
    }
}
