package dev.spamcheck.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nightly zone is read by Java (the cron) and by PostgreSQL (the job dates), which read
 * offsets with opposite signs: only names both read alike are accepted.
 */
class NightlyZoneTest {

    @ParameterizedTest
    @ValueSource(strings = {"UTC", "America/New_York", "Europe/Berlin", "Z"})
    void regionsAndUtcAreAccepted(String zone) {
        assertThat(new SpamcheckProperties.Nightly(zone).zone()).isEqualTo(zone);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GMT+2", "UTC-05:00", "+02:00", "-5", "UT+1"})
    void offsetsAreRefusedNamingTheSetting(String zone) {
        assertThatThrownBy(() -> new SpamcheckProperties.Nightly(zone))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("spamcheck.nightly.zone must be a region such as America/New_York, or UTC, not an offset: "
                        + zone);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Mars/Olympus", "", "EST5EDTX"})
    void whatIsNoZoneIsRefused(String zone) {
        assertThatThrownBy(() -> new SpamcheckProperties.Nightly(zone))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("spamcheck.nightly.zone is not a time zone: " + zone);
    }
}
