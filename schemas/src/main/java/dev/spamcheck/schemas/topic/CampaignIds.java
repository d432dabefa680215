package dev.spamcheck.schemas.topic;

import java.util.regex.Pattern;

/**
 * What a campaign id may be, wherever one comes in (a lookup, a prewarm entry, a webhook
 * subscription, a health or audit query): 1 to {@value #MAX_LENGTH} characters, not all
 * whitespace, no control characters (PostgreSQL cannot store NUL, and none belongs in an
 * identifier). One rule, so no campaign can be named one way and looked for another (an empty
 * one could be given to a lookup but never asked about).
 *
 * <p>Nor may it be written as a phone number: a tool mapping a contact's number into the campaign
 * field by mistake would otherwise put it in plain text in audit rows, topics, logs and admin URLs.
 * Told by its writing, not by libphonenumber, which would take many tools' plain digit ids for
 * numbers too: a plus sign and 8 to 15 digits, or 10 digits (11 with a leading 1) written with
 * spaces, dots, dashes or parentheses ({@code (202) 555-0123}). Plain digit strings pass.
 */
public final class CampaignIds {

    public static final int MAX_LENGTH = 64;

    private static final Pattern NUMBER_SEPARATORS = Pattern.compile("[\\s\\h\\p{Pd}().]");
    private static final Pattern INTERNATIONAL_NUMBER = Pattern.compile("\\+\\d{8,15}");
    private static final Pattern NORTH_AMERICAN_NUMBER = Pattern.compile("1?\\d{10}");

    private CampaignIds() {
    }

    /** Why the id is refused, in words that do not quote it; null when it is a valid id. */
    public static String whyInvalid(String campaignId) {
        if (campaignId.isBlank()) {
            return "campaign_id must not be empty or blank; leave it out for none";
        }
        if (campaignId.length() > MAX_LENGTH) {
            return "campaign_id must not exceed " + MAX_LENGTH + " characters";
        }
        if (campaignId.chars().anyMatch(Character::isISOControl)) {
            return "campaign_id must not contain control characters";
        }
        if (writtenAsPhoneNumber(campaignId)) {
            return "campaign_id must not be a phone number: name the campaign (is the tool's field mapping right?)";
        }
        return null;
    }

    private static boolean writtenAsPhoneNumber(String campaignId) {
        String digits = NUMBER_SEPARATORS.matcher(campaignId).replaceAll("");
        return INTERNATIONAL_NUMBER.matcher(digits).matches()
                || (digits.length() < campaignId.length() && NORTH_AMERICAN_NUMBER.matcher(digits).matches());
    }
}
