package dev.spamcheck.worker;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * lookup-worker's {@code spamcheck.*} settings; documented in the README's configuration table.
 *
 * @param cacheTtl a stored answer younger than this is reused instead of paying for a lookup
 * @param hashKey {@code SPAMCHECK_HASH_KEY}
 * @param encryptionKeys {@code SPAMCHECK_ENCRYPTION_KEYS}
 * @param lookupConcurrency lookup requests processed at once by this instance
 * @param twilio the Twilio account and endpoint
 * @param kafka topic settings
 */
@ConfigurationProperties("spamcheck")
public record WorkerProperties(
        @DefaultValue("PT24H") Duration cacheTtl,
        String hashKey,
        String encryptionKeys,
        @DefaultValue("3") int lookupConcurrency,
        @DefaultValue Twilio twilio,
        @DefaultValue Kafka kafka) {

    /**
     * @param accountSid {@code TWILIO_ACCOUNT_SID}
     * @param authToken {@code TWILIO_AUTH_TOKEN}
     * @param baseUrl {@code TWILIO_LOOKUP_BASE_URL}
     * @param timeout how long one call may take; keep it below the gateway's lookup timeout
     */
    public record Twilio(
            String accountSid,
            String authToken,
            @DefaultValue("https://lookups.twilio.com") URI baseUrl,
            @DefaultValue("PT4S") Duration timeout) {

        @Override
        public String toString() {
            // Never print the credentials, e.g. in a binding failure report.
            return "Twilio[baseUrl=" + baseUrl + ", timeout=" + timeout + "]";
        }
    }

    /** @param partitions partitions of the topics this service creates when they are missing */
    public record Kafka(@DefaultValue("6") int partitions) {
    }

    @Override
    public String toString() {
        return "WorkerProperties[cacheTtl=" + cacheTtl + ", lookupConcurrency=" + lookupConcurrency + ", twilio=" + twilio + "]";
    }
}
