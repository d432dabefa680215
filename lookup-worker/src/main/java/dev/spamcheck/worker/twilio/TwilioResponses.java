package dev.spamcheck.worker.twilio;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads Twilio Lookup v1 answers into the error taxonomy:
 * <ul>
 * <li>200: answered, with a verdict per add-on asked for ({@link LookupAddOn}). Each add-on's own
 * {@code status} decides: the envelope can say {@code successful} while an add-on failed (code
 * 61001, {@code result} then {@code {}} or {@code []}), and a failed, missing or unreadable
 * add-on says nothing about the number (verdict unknown). Never retried, since the lookup is
 * billed; the verdict policy decides what the verdicts make. Billed too, and so not retried, when
 * its body cannot be read (not JSON, or cut off: {@link TwilioLookupClient});</li>
 * <li>404 with code 20404: not found; any other 404 (not Twilio's: a wrong base URL, a proxy): a
 * failure, not retried;</li>
 * <li>429 (20429, 60616) and 5xx: retried, honouring {@code Retry-After};</li>
 * <li>401/403 (20003): bad credentials, not retried;</li>
 * <li>any other status: not retried.</li>
 * </ul>
 */
final class TwilioResponses {

    private TwilioResponses() {
    }

    /** Twilio's 429 (20429, 60616). */
    static final String RATE_LIMITED = "twilio_rate_limited";
    /**
     * A 200 whose body could not be read whole (not JSON, cut off, too slow): a failure for the
     * circuit breaker, but not retried, since Twilio bills the lookup it answered and asking again
     * would pay for the number again. Bulk work asks again later ({@link TwilioLookups#isPassing}).
     */
    static final String MALFORMED_RESPONSE = "twilio_malformed_response";

    /**
     * An answer whose status line and headers arrived but not its whole body (cut off, too slow):
     * the status, with nothing said; a 200 is still billed.
     */
    static ProviderAnswer bodyLost(int status, Duration retryAfter, List<LookupAddOn> addOns) {
        return status == 200 ? unreadableAnswer() : interpret(status, "{}", retryAfter, addOns);
    }

    private static Unavailable unreadableAnswer() {
        return new Unavailable(MALFORMED_RESPONSE, false, true, null);
    }
    /** Twilio's error code for a number it does not know. */
    private static final int NUMBER_NOT_FOUND = 20404;

    static ProviderAnswer interpret(int status, String body, Duration retryAfter, List<LookupAddOn> addOns) {
        if (status == 404) {
            // Only Twilio's own "no such number" is cached as one: a 404 from anything else (a wrong
            // base URL, a proxy) would otherwise answer every number not found for a day.
            return twilioCode(body) == NUMBER_NOT_FOUND ? new ProviderAnswer.NotFound()
                    : new Unavailable("twilio_http_404", false, true, null);
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
            return new Unavailable(TwilioLookups.AUTH_FAILED, false, true, null);
        }
        if (status != 200) {
            return Unavailable.permanent("twilio_http_" + status);
        }
        JsonNode root;
        try {
            root = MessageCodec.mapper().readTree(body);
        }
        catch (JacksonException ex) {
            return unreadableAnswer();
        }
        JsonNode results = root.path("add_ons").path("results");
        List<SourceVerdict> sources = new ArrayList<>(addOns.size());
        for (LookupAddOn addOn : addOns) {
            sources.add(verdict(addOn, results.path(addOn.uniqueName())));
        }
        return new ProviderAnswer.Answered(sources);
    }

    /** The {@code code} of a Twilio error body, or 0 when the body is none. */
    private static int twilioCode(String body) {
        try {
            return MessageCodec.mapper().readTree(body).path("code").asInt(0);
        }
        catch (JacksonException ex) {
            return 0;
        }
    }

    private static SourceVerdict verdict(LookupAddOn addOn, JsonNode answer) {
        if (answer.isMissingNode() || answer.isNull()) {
            return SourceVerdict.unknown(addOn.uniqueName(), "missing");
        }
        if (!SourceVerdict.SUCCESSFUL.equals(answer.path("status").asString(""))) {
            return SourceVerdict.unknown(addOn.uniqueName(), "failed");
        }
        return addOn.read(answer.path("result"));
    }
}
