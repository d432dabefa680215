package dev.spamcheck.schemas.topic;

/**
 * What a campaign id may be, wherever one comes in (a lookup, a prewarm entry, a webhook
 * subscription, a health or audit query): 1 to {@value #MAX_LENGTH} characters, not all
 * whitespace, no control characters (PostgreSQL cannot store NUL, and none belongs in an
 * identifier). One rule, so no campaign can be named one way and looked for another (an empty
 * one could be given to a lookup but never asked about).
 */
public final class CampaignIds {

    public static final int MAX_LENGTH = 64;

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
        return null;
    }
}
