package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;

class ValidNumbersTest {

    private final NumberProtection protection = NumberProtection.fromSecrets(
            "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", "a:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=");
    private final PhoneNumberRules rules = spy(new PhoneNumberRules(Set.of("US")));
    private final ValidNumbers numbers = new ValidNumbers(rules, protection);

    @Test
    void aNumberAcceptedOnceIsAcceptedAgainWithoutLibphonenumbersCheck() {
        ValidNumbers.ValidNumber first = numbers.require("+12025550123");
        ValidNumbers.ValidNumber again = numbers.require("+12025550123");

        assertThat(first).isEqualTo(again)
                .isEqualTo(new ValidNumbers.ValidNumber("+12025550123", protection.hash("+12025550123")));
        verify(rules, times(1)).requireValid(anyString());
    }

    @Test
    void aValidNumberPrintsOnlyItsLastFourDigits() {
        assertThat(numbers.require("+12025550123")).hasToString("ValidNumber[***0123]");
    }

    @Test
    void aRefusedNumberIsCheckedAndRefusedEveryTime() {
        for (String refused : new String[] {"+12005550123", "+442071838750", "+1 202 555 0123", "+1202555012\u0000"}) {
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> numbers.require(refused)).isInstanceOfSatisfying(ApiException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_PHONE_NUMBER));
            }
        }
        // Each well-formed one went to libphonenumber both times; the malformed ones never did.
        verify(rules, times(4)).requireValid(anyString());
    }
}
