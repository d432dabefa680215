package dev.spamcheck.schemas.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code SPAMCHECK_KAFKA_PARTITIONS} below one refuses the start: 0 would have Kafka refuse every
 * topic a service creates (which Spring's admin only logs), -1 create them with the broker's
 * default, one partition on a stock broker.
 */
class KafkaPartitionsTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void fewerThanOneIsRefusedNamingTheSetting(int partitions) {
        assertThatThrownBy(() -> new SpamcheckProperties.Kafka(partitions))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("SPAMCHECK_KAFKA_PARTITIONS");
    }
}
