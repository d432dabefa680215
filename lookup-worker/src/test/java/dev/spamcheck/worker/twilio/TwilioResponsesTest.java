package dev.spamcheck.worker.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TwilioResponsesTest {

    private static String body(String addOn) {
        return """
                {"caller_name": null, "country_code": "US", "phone_number": "+12125550123",
                 "national_format": "(212) 555-0123", "carrier": null,
                 "add_ons": {"status": "successful", "message": null, "code": null,
                             "results": {"nomorobo_spamscore": %s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/+12125550123"}""".formatted(addOn);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void readsTheAddOnScore(int score) {
        String addOn = """
                {"request_sid": "XR1", "status": "successful", "message": null, "code": null,
                 "result": {"status": "success", "message": "success", "score": %d, "neighbor_score": 0}}"""
                .formatted(score);
        assertThat(TwilioResponses.interpret(200, body(addOn))).isEqualTo(new TwilioAnswer.Scored(score));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]"})
    void aFailedAddOnIsNotACleanNumber(String result) {
        String addOn = """
                {"request_sid": "XR1", "status": "failed", "message": "Request timed out", "code": 61001,
                 "result": %s}""".formatted(result);
        assertThat(TwilioResponses.interpret(200, body(addOn))).isEqualTo(new TwilioAnswer.Unavailable("addon_failed"));
    }

    @Test
    void aMissingOrMalformedScoreIsNotACleanNumber() {
        assertThat(TwilioResponses.interpret(200, body("null"))).isEqualTo(new TwilioAnswer.Unavailable("addon_missing"));
        assertThat(TwilioResponses.interpret(200, body("""
                {"status": "successful", "result": {"score": "0"}}""")))
                .isEqualTo(new TwilioAnswer.Unavailable("addon_malformed_result"));
        assertThat(TwilioResponses.interpret(200, "{not json"))
                .isEqualTo(new TwilioAnswer.Unavailable("twilio_malformed_response"));
    }

    @Test
    void mapsHttpErrors() {
        String notFound = """
                {"code": 20404, "message": "not found", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}""";
        assertThat(TwilioResponses.interpret(404, notFound)).isEqualTo(new TwilioAnswer.NotFound());
        assertThat(TwilioResponses.interpret(500, "{}")).isEqualTo(new TwilioAnswer.Unavailable("twilio_http_500"));
        assertThat(TwilioResponses.interpret(429, "{}")).isEqualTo(new TwilioAnswer.Unavailable("twilio_http_429"));
    }
}
