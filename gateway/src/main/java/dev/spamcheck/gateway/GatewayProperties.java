package dev.spamcheck.gateway;

import java.time.Duration;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The gateway's {@code spamcheck.*} settings; documented in the README's configuration table.
 *
 * @param cacheTtl how long a stored answer is served without asking Twilio again
 * @param lookupTimeout how long a request waits for lookup-worker before answering 503
 * @param allowedRegions regions whose numbers are accepted ({@code SPAMCHECK_ALLOWED_REGIONS})
 * @param hashKey {@code SPAMCHECK_HASH_KEY}
 * @param encryptionKeys {@code SPAMCHECK_ENCRYPTION_KEYS}
 * @param kafka topic settings
 */
@ConfigurationProperties("spamcheck")
public record GatewayProperties(
        @DefaultValue("PT24H") Duration cacheTtl,
        @DefaultValue("PT5S") Duration lookupTimeout,
        @DefaultValue("US") Set<String> allowedRegions,
        String hashKey,
        String encryptionKeys,
        @DefaultValue Kafka kafka) {

    /** @param partitions partitions of the topics this service creates when they are missing */
    public record Kafka(@DefaultValue("6") int partitions) {
    }
}
