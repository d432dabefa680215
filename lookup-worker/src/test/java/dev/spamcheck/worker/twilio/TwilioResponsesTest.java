package dev.spamcheck.worker.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.worker.twilio.TwilioAnswer.Unavailable;

class TwilioResponsesTest {

    private static String body(String addOn) {
        return """
                {"caller_name": null, "country_code": "US", "phone_number": "+12125550123",
                 "national_format": "(212) 555-0123", "carrier": null,
                 "add_ons": {"status": "successful", "message": null, "code": null,
                             "results": {"nomorobo_spamscore": %s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/+12125550123"}""".formatted(addOn);
    }

    private static TwilioAnswer interpret(int status, String body) {
        return TwilioResponses.interpret(status, body, null);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void readsTheAddOnScore(int score) {
        String addOn = """
                {"request_sid": "XR1", "status": "successful", "message": null, "code": null,
                 "result": {"status": "success", "message": "success", "score": %d, "neighbor_score": 0}}"""
                .formatted(score);
        assertThat(interpret(200, body(addOn))).isEqualTo(new TwilioAnswer.Scored(score));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]"})
    void aFailedAddOnIsNotACleanNumberAndIsNotRetried(String result) {
        String addOn = """
                {"request_sid": "XR1", "status": "failed", "message": "Request timed out", "code": 61001,
                 "result": %s}""".formatted(result);
        TwilioAnswer answer = interpret(200, body(addOn));
        assertThat(answer).isEqualTo(Unavailable.permanent("addon_failed"));
        assertThat(answer.retryable()).isFalse();
    }

    @Test
    void aMissingOrMalformedScoreIsNotACleanNumber() {
        assertThat(interpret(200, body("null"))).isEqualTo(Unavailable.permanent("addon_missing"));
        assertThat(interpret(200, body("""
                {"status": "successful", "result": {"score": "0"}}""")))
                .isEqualTo(Unavailable.permanent("addon_malformed_result"));
    }

    @Test
    void unreadableAnswersAreRetried() {
        assertThat(interpret(200, "{not json").retryable()).isTrue();
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfterAndOnlyServerErrorsAreFailures() {
        TwilioAnswer limited = TwilioResponses.interpret(429, "{\"code\": 60616}", Duration.ofSeconds(2));
        assertThat(limited).isEqualTo(new Unavailable("twilio_rate_limited", true, false, Duration.ofSeconds(2)));
        assertThat(interpret(500, "{}")).isEqualTo(new Unavailable("twilio_http_500", true, true, null));
        assertThat(interpret(503, "{}").retryable()).isTrue();
    }

    @Test
    void notFoundCredentialsAndOtherErrorsAreNotRetried() {
        assertThat(interpret(404, "{\"code\": 20404}")).isEqualTo(new TwilioAnswer.NotFound());
        assertThat(interpret(401, "{\"code\": 20003}")).isEqualTo(new Unavailable("twilio_auth_failed", false, true, null));
        assertThat(interpret(400, "{\"code\": 21211}")).isEqualTo(Unavailable.permanent("twilio_http_400"));
    }

    @Test
    void readsRetryAfterInSecondsOrAsADate() {
        assertThat(TwilioLookupClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(TwilioLookupClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(TwilioLookupClient.retryAfter("soon")).isNull();
    }
}
