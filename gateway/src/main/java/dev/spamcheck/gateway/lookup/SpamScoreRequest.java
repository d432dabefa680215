package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Set;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.JsonBodies;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /api/v1/spam_score}, read strictly: a JSON object with a string
 * {@code phone_number}, an optional string {@code campaign_id}, an optional ISO-8601 duration
 * {@code max_stale} and nothing else. The number is not validated here; see
 * {@link dev.spamcheck.schemas.number.PhoneNumberRules}.
 *
 * @param maxStale the oldest stale answer the caller accepts, or null for the configured limit
 */
record SpamScoreRequest(String phoneNumber, String campaignId, Duration maxStale) {

    private static final Set<String> FIELDS = Set.of("phone_number", "campaign_id", "max_stale");
    private static final int MAX_DURATION_LENGTH = 32;

    /** @throws ApiException {@code invalid_request}, with a detail that never quotes the body */
    static SpamScoreRequest parse(String body) {
        JsonNode root = JsonBodies.object(body, FIELDS);
        return new SpamScoreRequest(JsonBodies.requiredString(root, "phone_number"),
                JsonBodies.optionalCampaignId(root, "campaign_id", true),
                duration(JsonBodies.optionalString(root, "max_stale", MAX_DURATION_LENGTH)));
    }

    private static Duration duration(String text) {
        if (text == null) {
            return null;
        }
        Duration duration;
        try {
            duration = Duration.parse(text);
        }
        catch (DateTimeParseException ex) {
            throw JsonBodies.invalid("max_stale must be an ISO-8601 duration such as PT0S, PT36H or P2D");
        }
        if (duration.isNegative()) {
            throw JsonBodies.invalid("max_stale must not be negative");
        }
        return duration;
    }

    @Override
    public String toString() {
        // Records print their fields; this one must never print the number.
        return "SpamScoreRequest[campaignId=" + campaignId + ", maxStale=" + maxStale + "]";
    }
}
