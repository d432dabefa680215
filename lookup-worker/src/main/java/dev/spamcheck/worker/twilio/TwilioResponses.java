package dev.spamcheck.worker.twilio;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads Twilio Lookup v1 answers. The add-on's own {@code status} decides: the envelope can say
 * {@code successful} while {@code nomorobo_spamscore} failed (code 61001, {@code result} then
 * {@code {}} or {@code []}), and a failed add-on says nothing about the number.
 */
final class TwilioResponses {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TwilioResponses() {
    }

    static TwilioAnswer interpret(int status, String body) {
        if (status == 404) {
            return new TwilioAnswer.NotFound();
        }
        if (status != 200) {
            return new TwilioAnswer.Unavailable("twilio_http_" + status);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        }
        catch (JacksonException ex) {
            return new TwilioAnswer.Unavailable("twilio_malformed_response");
        }
        JsonNode addOn = root.path("add_ons").path("results").path("nomorobo_spamscore");
        if (addOn.isMissingNode() || addOn.isNull()) {
            return new TwilioAnswer.Unavailable("addon_missing");
        }
        if (!"successful".equals(addOn.path("status").asString(""))) {
            return new TwilioAnswer.Unavailable("addon_failed");
        }
        JsonNode score = addOn.path("result").path("score");
        if (!score.isIntegralNumber() || (score.asInt() != 0 && score.asInt() != 1)) {
            return new TwilioAnswer.Unavailable("addon_malformed_result");
        }
        return new TwilioAnswer.Scored(score.asInt());
    }
}
