package dev.spamcheck.gateway.lookup;

import java.util.Set;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.JsonBodies;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /api/v1/spam_score}, read strictly: a JSON object with a string
 * {@code phone_number}, an optional string {@code campaign_id} and nothing else. The number is
 * not validated here; see {@link dev.spamcheck.schemas.number.PhoneNumberRules}.
 */
record SpamScoreRequest(String phoneNumber, String campaignId) {


    /** @throws ApiException {@code invalid_request}, with a detail that never quotes the body */
    static SpamScoreRequest parse(String body) {
        JsonNode root = JsonBodies.object(body, Set.of("phone_number", "campaign_id"));
        return new SpamScoreRequest(JsonBodies.requiredString(root, "phone_number"),
                JsonBodies.optionalString(root, "campaign_id", JsonBodies.MAX_CAMPAIGN_ID_LENGTH));
    }

    @Override
    public String toString() {
        // Records print their fields; this one must never print the number.
        return "SpamScoreRequest[campaignId=" + campaignId + "]";
    }
}
