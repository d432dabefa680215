package dev.spamcheck.schemas.config;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code spamcheck.*} settings more than one service reads; each service's own are in its
 * {@code *Properties} record. The configuration reference (docs/configuration.md) is generated
 * from these descriptions.
 *
 * @param hashKey the key of the number hashes ({@code SPAMCHECK_HASH_KEY}): base64 of at least 32
 *        random bytes; it cannot be changed without losing every cached answer
 * @param encryptionKeys the keys of the number ciphertexts ({@code SPAMCHECK_ENCRYPTION_KEYS}):
 *        {@code id:base64key[,id:base64key...]}, 32-byte keys; the first encrypts, all decrypt
 * @param allowedRegions regions whose numbers are accepted, by the API and by prewarm, e.g.
 *        {@code US,CA}
 * @param cacheTtl how long a stored answer is served without asking Twilio again
 * @param kafka how the services create their topics
 * @param nightly when "today" is for the nightly job
 */
@ConfigurationProperties("spamcheck")
public record SpamcheckProperties(
        String hashKey,
        String encryptionKeys,
        @DefaultValue("US") Set<String> allowedRegions,
        @DefaultValue("PT24H") Duration cacheTtl,
        @DefaultValue Kafka kafka,
        @DefaultValue Nightly nightly) {

    /**
     * @param partitions partitions of each topic a service creates when it is missing (the
     *        maintenance triggers and the dead-letter topics always have one), at least 1; an existing
     *        topic keeps its own
     */
    public record Kafka(@DefaultValue("12") int partitions) {

        public Kafka {
            // 0 would have Kafka refuse every topic, which Spring's admin only logs; below that,
            // "the broker's default", one partition on a stock broker.
            if (partitions < 1) {
                throw new InvalidConfigurationException("spamcheck.kafka.partitions (SPAMCHECK_KAFKA_PARTITIONS) must be "
                        + "at least 1");
            }
        }
    }

    /**
     * @param zone the time zone of the nightly cron and of job dates: a region such as
     *        {@code America/New_York}, or {@code UTC}; not an offset such as {@code GMT+2}
     */
    public record Nightly(@DefaultValue("UTC") String zone) {

        public Nightly {
            ZoneId id;
            try {
                id = ZoneId.of(zone);
            }
            catch (DateTimeException ex) {
                throw new InvalidConfigurationException("spamcheck.nightly.zone is not a time zone: " + zone);
            }
            // The cron reads the zone with Java, which takes GMT+2 and +02:00 for two hours east of
            // Greenwich; PostgreSQL, which dates the jobs, reads them the POSIX way, two hours west.
            // The two would disagree on which night it is.
            if (id instanceof ZoneOffset ? !id.equals(ZoneOffset.UTC) : id.getId().matches("(GMT|UTC|UT)[+-].*")) {
                throw new InvalidConfigurationException("spamcheck.nightly.zone must be a region such as "
                        + "America/New_York, or UTC, not an offset: " + zone);
            }
        }
    }

    @Override
    public String toString() {
        // Never print the keys, e.g. in a binding failure report.
        return "SpamcheckProperties[allowedRegions=" + allowedRegions + ", cacheTtl=" + cacheTtl + ", kafka=" + kafka
                + ", nightly=" + nightly + "]";
    }
}
