package dev.spamcheck.gateway.lookup;

import org.springframework.stereotype.Component;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;

/** The number rules as the HTTP API applies them: a rejected number is {@code invalid_phone_number}. */
@Component
class ValidNumbers {

    private final PhoneNumberRules rules;

    ValidNumbers(PhoneNumberRules rules) {
        this.rules = rules;
    }

    /** The number in E.164 form; throws {@code invalid_phone_number} with a detail that never quotes the input. */
    String require(String input) {
        try {
            return rules.requireValid(input);
        }
        catch (InvalidPhoneNumberException ex) {
            throw new ApiException(ErrorCode.INVALID_PHONE_NUMBER, ex.getMessage());
        }
    }
}
