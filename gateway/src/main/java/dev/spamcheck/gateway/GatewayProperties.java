package dev.spamcheck.gateway;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param lookupTimeout how long a request waits for lookup-worker before answering 503
 * @param staleIfError how old a cached spam score may be to be answered, marked {@code "stale": true},
 *        when no fresh answer can be had (Twilio failing or rate-limited, its circuit open, the daily
 *        call limit reached, no answer within the lookup timeout); {@code PT0S} answers 503 instead.
 *        A request may ask for less with {@code max_stale}, never for more
 * @param allowedCidrs client addresses allowed in ({@code SPAMCHECK_ALLOWED_CIDRS})
 * @param trustedProxies proxies whose forwarding headers are believed ({@code SPAMCHECK_TRUSTED_PROXIES})
 * @param forwardedHeaders which forwarding headers the trusted proxies write ({@code SPAMCHECK_FORWARDED_HEADERS})
 * @param corsOrigins browser origins allowed to call the API, each as browsers send it, {@code https://host[:port]}
 *        or, for a tool served without TLS (on a developer's machine), {@code http://host[:port]}; without a
 *        path, not {@code *} nor {@code null} ({@code SPAMCHECK_CORS_ORIGINS})
 * @param tls the certificate to serve HTTPS with
 * @param gateway request limits and timeouts
 * @param webhooks which receiver URLs webhook subscriptions may name
 * @param answerView the in-memory view of fresh answers that serves cache hits
 */
@ConfigurationProperties("spamcheck")
public record GatewayProperties(
        @DefaultValue("PT5S") Duration lookupTimeout,
        @DefaultValue("P7D") Duration staleIfError,
        @DefaultValue({"127.0.0.0/8", "::1/128"}) List<String> allowedCidrs,
        @DefaultValue List<String> trustedProxies,
        @DefaultValue("x-forwarded") ForwardedHeaders forwardedHeaders,
        @DefaultValue List<String> corsOrigins,
        @DefaultValue Tls tls,
        @DefaultValue Limits gateway,
        @DefaultValue Webhooks webhooks,
        @DefaultValue AnswerView answerView) {

    /**
     * @param certificate PEM certificate chain, a path or {@code classpath:} location ({@code SPAMCHECK_TLS_CERTIFICATE})
     * @param privateKey PEM private key ({@code SPAMCHECK_TLS_PRIVATE_KEY})
     */
    public record Tls(String certificate, String privateKey) {

        public boolean enabled() {
            return certificate != null && !certificate.isBlank();
        }
    }

    /** The family of forwarding headers trusted proxies write; the other family is ignored. */
    public enum ForwardedHeaders {
        /** {@code X-Forwarded-For} and {@code X-Forwarded-Proto}. */
        X_FORWARDED,
        /** RFC 7239 {@code Forwarded} ({@code for} and {@code proto}). */
        FORWARDED
    }

    /**
     * @param perTokenRate requests per second allowed to one token at each gateway (counted in its
     *        memory: behind N gateways a token may make up to N times this); 0 turns the limit off
     * @param failedAuthentications failed authentications allowed per client address (IPv6: per /64) in each
     *        window, at each gateway
     * @param failedAuthenticationWindow how often that budget is refilled
     * @param readTimeout the longest a client may pause while sending a request before its connection is closed
     * @param databaseTimeout the longest the gateway waits for PostgreSQL, for a pooled connection and
     *        then for each statement's answer; a request that needed it is answered 503
     *        {@code service_unavailable} with {@code Retry-After}, as during an outage. It bounds every
     *        query, the token check's and the admin endpoints' as well
     */
    public record Limits(@DefaultValue("0") int perTokenRate, @DefaultValue("20") int failedAuthentications,
            @DefaultValue("PT1M") Duration failedAuthenticationWindow, @DefaultValue("PT10S") Duration readTimeout,
            @DefaultValue("PT5S") Duration databaseTimeout) {
    }

    /**
     * @param allowInsecureLoopback also accept {@code http://} URLs on 127.0.0.1, [::1] or localhost
     *        ({@code SPAMCHECK_WEBHOOKS_ALLOW_INSECURE_LOOPBACK}; the devstack sets it for local receivers).
     *        The notifiers deliver to such a receiver only with {@code SPAMCHECK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS}
     */
    public record Webhooks(@DefaultValue("false") boolean allowInsecureLoopback) {
    }

    /**
     * @param maximumSize the most numbers one gateway keeps answers for in memory (about 235 bytes
     *        of heap each, 224 MiB for a million; beyond it the least used go, and are read from
     *        PostgreSQL when asked for)
     * @param clockMargin how far apart the clocks of the gateways, the workers (which stamp the
     *        results' records) and PostgreSQL (which stamps the answers) may be: a gateway warms its
     *        view from the results of the last cache TTL plus this, a view that has read every
     *        result for that long looks up a number it lacks without reading PostgreSQL first, and
     *        an answer is served from the view until the TTL less this, so never past the TTL by
     *        PostgreSQL's clock (at most half the cache TTL)
     */
    public record AnswerView(@DefaultValue("1000000") long maximumSize, @DefaultValue("PT1M") Duration clockMargin) {
    }

    @Override
    public String toString() {
        // Never print the private key's location with the rest, e.g. in a binding failure report.
        return "GatewayProperties[lookupTimeout=" + lookupTimeout + ", allowedCidrs=" + allowedCidrs
                + ", trustedProxies=" + trustedProxies + ", forwardedHeaders=" + forwardedHeaders + "]";
    }
}
