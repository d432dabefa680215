package dev.spamcheck.schemas.number;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * Which phone numbers spamcheck accepts: strict E.164 (a plus, digits only, no formatting) that
 * libphonenumber considers a valid number of one of the allowed regions.
 */
public final class PhoneNumberRules {

    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private final Set<String> allowedRegions;

    /**
     * @throws InvalidConfigurationException when no region is given, or one libphonenumber does not
     *         know ({@code UK} for {@code GB}), which would refuse every number of the intended one
     */
    public PhoneNumberRules(Set<String> allowedRegions) {
        this.allowedRegions = allowedRegions.stream()
                .map(region -> region.trim().toUpperCase(Locale.ROOT))
                .filter(region -> !region.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        if (this.allowedRegions.isEmpty()) {
            throw new InvalidConfigurationException("SPAMCHECK_ALLOWED_REGIONS names no region");
        }
        Set<String> unknown = new TreeSet<>(this.allowedRegions);
        unknown.removeAll(UTIL.getSupportedRegions());
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("SPAMCHECK_ALLOWED_REGIONS names regions libphonenumber does not know: "
                    + unknown + " (ISO 3166-1 alpha-2 codes, such as US, CA or GB)");
        }
    }

    public Set<String> allowedRegions() {
        return allowedRegions;
    }

    /**
     * Returns the number in canonical E.164 form.
     *
     * @throws InvalidPhoneNumberException with a reason that never quotes the input
     */
    public String requireValid(String input) {
        requireE164Shape(input);
        PhoneNumber parsed;
        try {
            parsed = UTIL.parse(input, null);
        }
        catch (NumberParseException ex) {
            throw new InvalidPhoneNumberException("phone_number is not a valid phone number");
        }
        // isValidNumber(parsed) is isValidNumberForRegion(parsed, getRegionCodeForNumber(parsed)), and
        // finding the region is the costly part (for +1, a pattern match per NANP region): once.
        String region = UTIL.getRegionCodeForNumber(parsed);
        if (region == null || !UTIL.isValidNumberForRegion(parsed, region)) {
            throw new InvalidPhoneNumberException("phone_number is not a valid phone number");
        }
        if (!allowedRegions.contains(region)) {
            throw new InvalidPhoneNumberException(
                    "phone_number must belong to one of the allowed regions " + allowedRegions.stream().sorted().toList());
        }
        return UTIL.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164);
    }

    /**
     * The cheap first check: a plus and up to 15 digits, no formatting; says nothing of whether
     * the number exists.
     *
     * @throws InvalidPhoneNumberException with a reason that never quotes the input
     */
    public void requireE164Shape(String input) {
        if (input == null || !E164.matcher(input).matches()) {
            throw new InvalidPhoneNumberException(
                    "phone_number must be in E.164 form: a plus sign and digits only, e.g. +12125550123");
        }
    }

    /** A rejected number; the message is safe to show to callers and to log. */
    public static final class InvalidPhoneNumberException extends RuntimeException {
        public InvalidPhoneNumberException(String message) {
            super(message);
        }
    }
}
