package dev.spamcheck.schemas.number;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;

class PhoneNumberRulesTest {

    private final PhoneNumberRules us = new PhoneNumberRules(Set.of("US"));

    @ParameterizedTest
    @ValueSource(strings = {"+12125550123", "+12025550123", "+12125550042", "+14155552671"})
    void acceptsUsNumbersInE164(String number) {
        assertThat(us.requireValid(number)).isEqualTo(number);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12125550123", "+1212555012", "+44 20 7946 0958", "+442079460958",
            "+1 (212) 555-0123", "", " +12125550123", "+12125550123 ", "+1212555O123", "+1-212-555-0123",
            "+11235550123", "+012125550123"})
    void rejectsAnythingElse(String number) {
        assertThatThrownBy(() -> us.requireValid(number)).isInstanceOf(InvalidPhoneNumberException.class);
    }

    @org.junit.jupiter.api.Test
    void rejectsAbsurdlyLongInputWithoutQuotingIt() {
        String longNumber = "+1" + "2".repeat(198);
        assertThatThrownBy(() -> us.requireValid(longNumber))
                .isInstanceOf(InvalidPhoneNumberException.class)
                .message().doesNotContain("222222");
    }

    @org.junit.jupiter.api.Test
    void allowedRegionsWidenTheRule() {
        PhoneNumberRules usAndCanada = new PhoneNumberRules(Set.of("us", "CA"));
        assertThat(usAndCanada.requireValid("+14165550123")).isEqualTo("+14165550123");
        assertThatThrownBy(() -> us.requireValid("+14165550123")).isInstanceOf(InvalidPhoneNumberException.class);
    }

    @org.junit.jupiter.api.Test
    void aRegionLibphonenumberDoesNotKnowStopsTheServiceInsteadOfRefusingEveryNumber() {
        assertThatThrownBy(() -> new PhoneNumberRules(Set.of("US", "UK")))
                .isInstanceOf(dev.spamcheck.schemas.config.InvalidConfigurationException.class)
                .hasMessage("SPAMCHECK_ALLOWED_REGIONS names regions libphonenumber does not know: [UK] "
                        + "(ISO 3166-1 alpha-2 codes, such as US, CA or GB)");
        assertThatThrownBy(() -> new PhoneNumberRules(Set.of(" ")))
                .isInstanceOf(dev.spamcheck.schemas.config.InvalidConfigurationException.class)
                .hasMessage("SPAMCHECK_ALLOWED_REGIONS names no region");
        assertThat(new PhoneNumberRules(Set.of(" gb ")).allowedRegions()).containsExactly("GB");
    }
}
