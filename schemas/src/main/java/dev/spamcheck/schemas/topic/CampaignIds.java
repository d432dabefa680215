package dev.spamcheck.schemas.topic;

import java.util.regex.Pattern;

/**
 * What a campaign id may be, wherever one comes in (a lookup, a prewarm entry, a webhook
 * subscription, a health or audit query): 1 to {@value #MAX_LENGTH} characters, not all
 * whitespace, no control characters (PostgreSQL cannot store NUL, and none belongs in an
 * identifier). One rule, so no campaign can be named one way and looked for another (an empty
 * one could be given to a lookup but never asked about).
 *
 * <p>An id about to be recorded (with a lookup, a prewarm entry, a subscription) may not be
 * written as a phone number either: a tool mapping a contact's number into the campaign field by
 * mistake would have it kept in plain text in audit rows, topics and logs. Told by its writing,
 * not by libphonenumber, which would take many tools' plain digit ids for numbers too: a plus sign
 * and 8 to 15 digits anywhere in it ({@code tel:+12025550123}, {@code +1 202 555 0123 x5}), or a
 * whole id that is a North American number in its usual groups ({@code (202) 555-0123},
 * {@code 1-202-555-0123}, {@code 202.555.0123}). Plain digit strings pass. Queries take any valid
 * id, so what was recorded before the rule can still be found.
 */
public final class CampaignIds {

    public static final int MAX_LENGTH = 64;

    /** What numbers are written with between their digits: spaces, dashes of any kind, dots. */
    private static final String SEPARATORS = "\\s\\h\\p{Pd}.";
    private static final String SEPARATOR = "[" + SEPARATORS + "]";
    /**
     * Anywhere in the id, as a contact's field may hold it ({@code tel:+1…}, {@code +1… x5}), but
     * not a plus sign joining a word or a version to a date ({@code promo+20261206},
     * {@code 2.1.0+20261206}): joined so, only 10 digits or more make a number
     * ({@code Tel+12025550123}), which a date does not have.
     */
    private static final Pattern INTERNATIONAL_NUMBER = Pattern.compile(
            "(?<![\\p{L}\\p{N}._-])\\+[\\s\\h(]*(?:\\d[" + SEPARATORS + "()]*){7,14}\\d(?!\\d)");
    private static final Pattern JOINED_INTERNATIONAL_NUMBER = Pattern.compile(
            "\\+[\\s\\h(]*(?:\\d[" + SEPARATORS + "()]*){9,14}\\d(?!\\d)");
    private static final Pattern NORTH_AMERICAN_NUMBER = Pattern.compile(
            "(?:1" + SEPARATOR + "*)?(?:\\(\\d{3}\\)|\\d{3})" + SEPARATOR + "*\\d{3}" + SEPARATOR + "*\\d{4}");
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private CampaignIds() {
    }

    /** Why the id is refused, in words that do not quote it; null when it is a valid id. */
    public static String whyInvalid(String campaignId) {
        if (campaignId.isBlank()) {
            return "campaign_id must not be empty or blank; leave it out for none";
        }
        // In characters, as PostgreSQL and JSON Schema count them: an emoji is one, not two.
        if (campaignId.codePointCount(0, campaignId.length()) > MAX_LENGTH) {
            return "campaign_id must not exceed " + MAX_LENGTH + " characters";
        }
        if (campaignId.chars().anyMatch(Character::isISOControl)) {
            return "campaign_id must not contain control characters";
        }
        // Half of a surrogate pair (JSON's "\ud800" alone) is no character: stored as UTF-8 it
        // would become "?", and two such ids one.
        if (campaignId.codePoints().anyMatch(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
            return "campaign_id must be valid Unicode text";
        }
        return null;
    }

    /** As {@link #whyInvalid}, for an id about to be recorded: not written as a phone number either. */
    public static String whyNotRecordable(String campaignId) {
        String invalid = whyInvalid(campaignId);
        if (invalid != null) {
            return invalid;
        }
        String id = campaignId.strip();
        if (INTERNATIONAL_NUMBER.matcher(id).find() || JOINED_INTERNATIONAL_NUMBER.matcher(id).find()
                || (NORTH_AMERICAN_NUMBER.matcher(id).matches() && !DIGITS.matcher(id).matches())) {
            return "campaign_id must not be a phone number: name the campaign (is the tool's field mapping right?)";
        }
        return null;
    }
}
