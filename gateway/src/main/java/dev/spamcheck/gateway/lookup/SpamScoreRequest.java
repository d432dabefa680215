package dev.spamcheck.gateway.lookup;

import java.util.Map;
import java.util.Set;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeType;

/**
 * The body of {@code POST /api/v1/spam_score}, read strictly: a JSON object with a string
 * {@code phone_number}, an optional string {@code campaign_id} and nothing else. The number is
 * not validated here; see {@link dev.spamcheck.schemas.number.PhoneNumberRules}.
 */
record SpamScoreRequest(String phoneNumber, String campaignId) {

    static final int MAX_CAMPAIGN_ID_LENGTH = 64;

    private static final Set<String> FIELDS = Set.of("phone_number", "campaign_id");
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** @throws ApiException {@code invalid_request}, with a detail that never quotes the body */
    static SpamScoreRequest parse(String body) {
        if (body == null || body.isBlank()) {
            throw invalid("The request body must be a JSON object");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        }
        catch (JacksonException ex) {
            throw invalid("The request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid("The request body must be a JSON object");
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw invalid("Unknown field; allowed fields are phone_number and campaign_id");
            }
        }
        JsonNode phone = root.get("phone_number");
        if (phone == null || phone.isNull()) {
            throw invalid("phone_number is required");
        }
        if (phone.getNodeType() != JsonNodeType.STRING) {
            throw invalid("phone_number must be a string");
        }
        JsonNode campaign = root.get("campaign_id");
        String campaignId = null;
        if (campaign != null && !campaign.isNull()) {
            if (campaign.getNodeType() != JsonNodeType.STRING) {
                throw invalid("campaign_id must be a string");
            }
            campaignId = campaign.asString();
            if (campaignId.length() > MAX_CAMPAIGN_ID_LENGTH) {
                throw invalid("campaign_id must not exceed " + MAX_CAMPAIGN_ID_LENGTH + " characters");
            }
        }
        return new SpamScoreRequest(phone.asString(), campaignId);
    }

    private static ApiException invalid(String detail) {
        return new ApiException(ErrorCode.INVALID_REQUEST, detail);
    }

    @Override
    public String toString() {
        // Records print their fields; this one must never print the number.
        return "SpamScoreRequest[campaignId=" + campaignId + "]";
    }
}
