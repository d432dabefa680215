package dev.spamcheck.gateway.lookup;

import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;

/**
 * The number rules as the HTTP API applies them: a rejected number is {@code invalid_phone_number}.
 * libphonenumber's check is the costliest step of a cache hit (a pattern match per NANP region),
 * and the numbers asked about repeat, so the hashes of numbers it accepted here are remembered
 * ({@value #REMEMBERED} at most, about 8 MiB): the hash, never the number, so the heap holds no
 * phone number beyond the requests in hand.
 */
@Component
class ValidNumbers {

    static final int REMEMBERED = 50_000;

    private final PhoneNumberRules rules;
    private final NumberProtection protection;
    private final Cache<String, Boolean> accepted = Caffeine.newBuilder().maximumSize(REMEMBERED).build();

    ValidNumbers(PhoneNumberRules rules, NumberProtection protection) {
        this.rules = rules;
        this.protection = protection;
    }

    /** A number the rules accept, in E.164 form, and its hash, taken once. */
    record ValidNumber(String e164, String hash) {

        /** Never the number, should this ever reach a log. */
        @Override
        public String toString() {
            return "ValidNumber[" + NumberProtection.mask(e164) + "]";
        }
    }

    /** The number and its hash; throws {@code invalid_phone_number} with a detail that never quotes the input. */
    ValidNumber require(String input) {
        try {
            rules.requireE164Shape(input);
            String hash = protection.hash(input);
            if (accepted.getIfPresent(hash) != null) {
                return new ValidNumber(input, hash);
            }
            String e164 = rules.requireValid(input);
            if (!e164.equals(input)) {
                // Not canonical (libphonenumber formats some regions' numbers differently): not remembered.
                return new ValidNumber(e164, protection.hash(e164));
            }
            accepted.put(hash, Boolean.TRUE);
            return new ValidNumber(e164, hash);
        }
        catch (InvalidPhoneNumberException ex) {
            throw new ApiException(ErrorCode.INVALID_PHONE_NUMBER, ex.getMessage());
        }
    }
}
