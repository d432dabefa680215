package dev.spamcheck.gateway.problem;

import java.util.Map;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeType;

/**
 * Strict reading of request bodies: a JSON object with known fields only, no duplicates, and
 * strings where strings are expected. Every failure is {@code invalid_request} with a detail that
 * never quotes the body.
 */
public final class JsonBodies {

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonBodies() {
    }

    public static JsonNode object(String body, Set<String> allowedFields) {
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
            if (!allowedFields.contains(field.getKey())) {
                throw invalid("Unknown field; allowed fields are " + allowedFields.stream().sorted().toList());
            }
        }
        return root;
    }

    public static String requiredString(JsonNode object, String field) {
        String value = optionalString(object, field, Integer.MAX_VALUE);
        if (value == null) {
            throw invalid(field + " is required");
        }
        return value;
    }

    /** The field's text, or null when absent or null; longer than {@code maxLength} is refused. */
    public static String optionalString(JsonNode object, String field, int maxLength) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.getNodeType() != JsonNodeType.STRING) {
            throw invalid(field + " must be a string");
        }
        String value = node.asString();
        if (value.length() > maxLength) {
            throw invalid(field + " must not exceed " + maxLength + " characters");
        }
        return value;
    }

    public static ApiException invalid(String detail) {
        return new ApiException(ErrorCode.INVALID_REQUEST, detail);
    }
}
