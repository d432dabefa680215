package dev.spamcheck.worker.twilio;

import static dev.spamcheck.schemas.topic.SourceVerdict.Verdict.CLEAN;
import static dev.spamcheck.schemas.topic.SourceVerdict.Verdict.FLAGGED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Answered;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;

/** Twilio's answers, in the shapes its documentation and each add-on's give, read into verdicts. */
class TwilioResponsesTest {

    private static final List<LookupAddOn> NOMOROBO = List.of(LookupAddOn.NOMOROBO_SPAMSCORE);

    private static String body(String addOnName, String addOn) {
        return """
                {"caller_name": null, "country_code": "US", "phone_number": "+12125550123",
                 "national_format": "(212) 555-0123", "carrier": null,
                 "add_ons": {"status": "successful", "message": null, "code": null,
                             "results": {"%s": %s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/+12125550123"}""".formatted(addOnName, addOn);
    }

    private static String successful(String result) {
        return """
                {"request_sid": "XR1", "status": "successful", "message": null, "code": null, "result": %s}"""
                .formatted(result);
    }

    /** The one source's verdict when only this add-on was asked for. */
    private static SourceVerdict verdictOf(LookupAddOn addOn, String answer) {
        ProviderAnswer read = TwilioResponses.interpret(200, body(addOn.uniqueName(), answer), null, List.of(addOn));
        assertThat(read).isInstanceOf(Answered.class);
        return ((Answered) read).sources().get(0);
    }

    private static ProviderAnswer interpret(int status, String body) {
        return TwilioResponses.interpret(status, body, null, NOMOROBO);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void readsNomorobosScoreAsAGradeOfZeroOrAHundred(int score) {
        SourceVerdict verdict = verdictOf(LookupAddOn.NOMOROBO_SPAMSCORE, successful("""
                {"status": "success", "message": "success", "score": %d, "neighbor_score": 0}""".formatted(score)));
        assertThat(verdict).isEqualTo(new SourceVerdict("nomorobo_spamscore", score == 1 ? FLAGGED : CLEAN, score * 100,
                List.of(), "successful"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[]"})
    void aFailedAddOnSaysNothingAboutTheNumber(String result) {
        String addOn = """
                {"request_sid": "XR1", "status": "failed", "message": "Request timed out", "code": 61001,
                 "result": %s}""".formatted(result);
        ProviderAnswer answer = interpret(200, body("nomorobo_spamscore", addOn));
        assertThat(answer).isEqualTo(new Answered(List.of(SourceVerdict.unknown("nomorobo_spamscore", "failed"))));
        assertThat(answer.retryable()).as("billed: never asked again").isFalse();
    }

    @Test
    void aMissingOrMalformedResultSaysNothingAboutTheNumber() {
        assertThat(verdictOf(LookupAddOn.NOMOROBO_SPAMSCORE, "null"))
                .isEqualTo(SourceVerdict.unknown("nomorobo_spamscore", "missing"));
        assertThat(verdictOf(LookupAddOn.NOMOROBO_SPAMSCORE, successful("{\"score\": \"0\"}")))
                .isEqualTo(SourceVerdict.unknown("nomorobo_spamscore", "malformed_result"));
        assertThat(verdictOf(LookupAddOn.ICEHOOK_SCOUT, successful("{\"risk_rating\": \"likely\"}")))
                .isEqualTo(SourceVerdict.unknown("icehook_scout", "malformed_result"));
        assertThat(verdictOf(LookupAddOn.TRUECNAM_TRUESPAM, successful("{\"spam_score\": 101, \"spam_score_match\": 1}")))
                .isEqualTo(SourceVerdict.unknown("truecnam_truespam", "malformed_result"));
        assertThat(verdictOf(LookupAddOn.MARCHEX_CLEANCALL, successful("{\"result\": {\"recommendation\": \"MAYBE\"}}")))
                .isEqualTo(SourceVerdict.unknown("marchex_cleancall", "malformed_result"));
    }

    @ParameterizedTest
    @CsvSource({"94, highly_likely, FLAGGED", "70, likely, FLAGGED", "69, possible, CLEAN", "3, unlikely, CLEAN"})
    void readsIceHookScoutsRiskLevelFlaggedFromSeventy(int level, String rating, SourceVerdict.Verdict expected) {
        SourceVerdict verdict = verdictOf(LookupAddOn.ICEHOOK_SCOUT, successful("""
                {"dialcode_e164": "+12125550123", "line_type": "voip", "ported": true,
                 "risk_rating": "%s", "risk_level": %d, "dialcode_invalid": false}""".formatted(rating, level)));
        assertThat(verdict).isEqualTo(new SourceVerdict("icehook_scout", expected, level, List.of(rating), "successful"));
    }

    @ParameterizedTest
    @CsvSource({"PASS, CLEAN", "FLAG, FLAGGED", "BLOCK, FLAGGED"})
    void readsMarchexCleanCallsRecommendationWithoutAGrade(String recommendation, SourceVerdict.Verdict expected) {
        SourceVerdict verdict = verdictOf(LookupAddOn.MARCHEX_CLEANCALL, successful("""
                {"result": {"recommendation": "%s", "reason": "CleanCall"}}""".formatted(recommendation)));
        assertThat(verdict).isEqualTo(new SourceVerdict("marchex_cleancall", expected, null, List.of("CleanCall"),
                "successful"));
    }

    @ParameterizedTest
    @CsvSource({"95, FLAGGED", "80, FLAGGED", "79, CLEAN", "0, CLEAN"})
    void readsTrueSpamsScoreFlaggedFromEighty(int score, SourceVerdict.Verdict expected) {
        SourceVerdict verdict = verdictOf(LookupAddOn.TRUECNAM_TRUESPAM, successful("""
                {"caller_name": "", "spam_score": %d, "spam_score_match": 1}""".formatted(score)));
        assertThat(verdict).isEqualTo(new SourceVerdict("truecnam_truespam", expected, score, List.of(), "successful"));
    }

    @Test
    void aNumberTrueSpamHasNoDataOnIsUnknownToIt() {
        SourceVerdict verdict = verdictOf(LookupAddOn.TRUECNAM_TRUESPAM, successful("""
                {"spam_score": 0, "spam_score_match": 0}"""));
        assertThat(verdict.decided()).isFalse();
        assertThat(verdict.reasons()).containsExactly("no_match");
        assertThat(verdict.status()).isEqualTo("successful");
    }

    @Test
    void eachAddOnAskedForHasAVerdictInTheOrderAsked() {
        String body = """
                {"add_ons": {"status": "successful", "results": {
                   "marchex_cleancall": {"status": "successful", "result": {"result": {"recommendation": "BLOCK", "reason": "Fraud"}}},
                   "nomorobo_spamscore": {"status": "successful", "result": {"score": 0}},
                   "icehook_scout": {"status": "failed", "code": 61001, "result": {}}}}}""";
        ProviderAnswer answer = TwilioResponses.interpret(200, body, null, List.of(LookupAddOn.NOMOROBO_SPAMSCORE,
                LookupAddOn.ICEHOOK_SCOUT, LookupAddOn.MARCHEX_CLEANCALL, LookupAddOn.TRUECNAM_TRUESPAM));
        assertThat(((Answered) answer).sources()).extracting(SourceVerdict::source, SourceVerdict::verdict,
                SourceVerdict::status).containsExactly(
                        tuple("nomorobo_spamscore", CLEAN, "successful"),
                        tuple("icehook_scout", SourceVerdict.Verdict.UNKNOWN, "failed"),
                        tuple("marchex_cleancall", FLAGGED, "successful"),
                        tuple("truecnam_truespam", SourceVerdict.Verdict.UNKNOWN, "missing"));
    }

    @Test
    void anUnreadable200IsBilledSoNotRetriedButCountsAsAFailure() {
        assertThat(interpret(200, "{not json")).isEqualTo(new Unavailable("twilio_malformed_response", false, true, null));
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfterAndOnlyServerErrorsAreFailures() {
        ProviderAnswer limited = TwilioResponses.interpret(429, "{\"code\": 60616}", Duration.ofSeconds(2), NOMOROBO);
        assertThat(limited).isEqualTo(new Unavailable("twilio_rate_limited", true, false, Duration.ofSeconds(2)));
        assertThat(interpret(500, "{}")).isEqualTo(new Unavailable("twilio_http_500", true, true, null));
        assertThat(interpret(503, "{}").retryable()).isTrue();
    }

    @Test
    void notFoundCredentialsAndOtherErrorsAreNotRetried() {
        assertThat(interpret(404, "{\"code\": 20404}")).isEqualTo(new ProviderAnswer.NotFound());
        assertThat(interpret(404, "{\"code\": 20001}")).isEqualTo(new Unavailable("twilio_http_404", false, true, null));
        assertThat(interpret(404, "Not Found")).isEqualTo(new Unavailable("twilio_http_404", false, true, null));
        assertThat(interpret(401, "{\"code\": 20003}")).isEqualTo(new Unavailable("twilio_auth_failed", false, true, null));
        assertThat(interpret(400, "{\"code\": 21211}")).isEqualTo(Unavailable.permanent("twilio_http_400"));
    }

    @Test
    void readsRetryAfterInSecondsOrAsADate() {
        assertThat(TwilioLookupClient.retryAfter("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(TwilioLookupClient.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(Duration.ZERO);
        assertThat(TwilioLookupClient.retryAfter("soon")).isNull();
        // Bounded: 2^63 seconds in nanoseconds would throw out of the retry and lose the lookup.
        assertThat(TwilioLookupClient.retryAfter("9223372036854775807")).isEqualTo(Duration.ofDays(1));
        assertThat(TwilioLookupClient.retryAfter("-5")).isEqualTo(Duration.ZERO);
        assertThat(TwilioLookupClient.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(Duration.ofDays(1));
    }
}
