package dev.spamcheck.worker.twilio;

import java.time.Duration;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.worker.twilio.TwilioAnswer.Unavailable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads Twilio Lookup v1 answers into the error taxonomy:
 * <ul>
 * <li>200 with a score: scored. The add-on's own {@code status} decides: the envelope can say
 * {@code successful} while {@code nomorobo_spamscore} failed (code 61001, {@code result} then
 * {@code {}} or {@code []}), and a failed add-on says nothing about the number: not retried,
 * since the lookup is billed;</li>
 * <li>404 (20404): not found;</li>
 * <li>429 (20429, 60616), 5xx and unreadable bodies: retried, honouring {@code Retry-After};</li>
 * <li>401/403 (20003): bad credentials, not retried;</li>
 * <li>any other status: not retried.</li>
 * </ul>
 */
final class TwilioResponses {

    private TwilioResponses() {
    }

    /** Twilio's 429 (20429, 60616). */
    static final String RATE_LIMITED = "twilio_rate_limited";

    static TwilioAnswer interpret(int status, String body, Duration retryAfter) {
        if (status == 404) {
            return new TwilioAnswer.NotFound();
        }
        if (status == 429) {
            // Retried, and the whole account slows down (AccountRateLimiter). Not a failure for the
            // circuit breaker: "slower" is not "down", and a storm of them would otherwise stop every
            // lookup, new numbers included, for the breaker's open time.
            return new Unavailable(RATE_LIMITED, true, false, retryAfter);
        }
        if (status >= 500) {
            return new Unavailable("twilio_http_" + status, true, true, retryAfter);
        }
        if (status == 401 || status == 403) {
            return new Unavailable("twilio_auth_failed", false, true, null);
        }
        if (status != 200) {
            return Unavailable.permanent("twilio_http_" + status);
        }
        JsonNode root;
        try {
            root = MessageCodec.mapper().readTree(body);
        }
        catch (JacksonException ex) {
            return new Unavailable("twilio_malformed_response", true, true, null);
        }
        JsonNode addOn = root.path("add_ons").path("results").path("nomorobo_spamscore");
        if (addOn.isMissingNode() || addOn.isNull()) {
            return Unavailable.permanent("addon_missing");
        }
        if (!"successful".equals(addOn.path("status").asString(""))) {
            return Unavailable.permanent("addon_failed");
        }
        JsonNode score = addOn.path("result").path("score");
        if (!score.isIntegralNumber() || (score.asInt() != 0 && score.asInt() != 1)) {
            return Unavailable.permanent("addon_malformed_result");
        }
        return new TwilioAnswer.Scored(score.asInt());
    }
}
