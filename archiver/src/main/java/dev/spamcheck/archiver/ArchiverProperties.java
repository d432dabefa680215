package dev.spamcheck.archiver;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The archiver's {@code spamcheck.*} settings; documented in the README's configuration table.
 *
 * @param kafka topic settings
 */
@ConfigurationProperties("spamcheck")
public record ArchiverProperties(@DefaultValue Kafka kafka) {

    /** @param partitions partitions of the topics this service creates when they are missing */
    public record Kafka(@DefaultValue("6") int partitions) {
    }
}
