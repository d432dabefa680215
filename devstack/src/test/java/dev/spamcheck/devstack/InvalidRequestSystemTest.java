package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static dev.spamcheck.devstack.TestStack.postSpamScore;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.JsonNode;

/** Bad input is refused with a problem, and reaches neither Kafka nor Twilio. */
class InvalidRequestSystemTest {

    private static long requestsBefore;
    private static long twilioCallsBefore;

    @BeforeAll
    static void recordTraffic() {
        requestsBefore = TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name());
        twilioCallsBefore = TestStack.get().twilio().totalCalls();
    }

    @AfterAll
    static void nothingWasLookedUp() {
        assertThat(TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name())).isEqualTo(requestsBefore);
        assertThat(TestStack.get().twilio().totalCalls()).isEqualTo(twilioCallsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no plus sign              | {"phone_number": "12125550123"}                  | invalid_phone_number
            too short                 | {"phone_number": "+1212555012"}                  | invalid_phone_number
            not a US number           | {"phone_number": "+44 20 7946 0958"}             | invalid_phone_number
            UK number in E.164        | {"phone_number": "+442079460958"}                | invalid_phone_number
            formatted                 | {"phone_number": "+1 (212) 555-0123"}            | invalid_phone_number
            empty                     | {"phone_number": ""}                             | invalid_phone_number
            not a string              | {"phone_number": 12125550123}                    | invalid_request
            missing                   | {"campaign_id": "c"}                             | invalid_request
            unknown field             | {"phone_number": "+12125550123", "x": 1}         | invalid_request
            malformed JSON            | {"phone_number":                                 | invalid_request
            campaign id not a string  | {"phone_number": "+12125550123", "campaign_id": 5} | invalid_request
            """)
    void refusesInvalidInput(String description, String body, String code) {
        assertProblem(postSpamScore(body), 400, code);
    }

    @Test
    void refusesAnAbsurdlyLongNumber() {
        String body = "{\"phone_number\": \"+1" + "2".repeat(198) + "\"}";
        HttpResponse<String> response = postSpamScore(body);
        assertProblem(response, 400, "invalid_phone_number");
        assertThat(response.body()).doesNotContain("2222222222");
    }

    @Test
    void refusesAnEmptyBody() {
        assertProblem(postSpamScore(""), 400, "invalid_request");
    }

    @Test
    void refusesABodyOver4KiB() {
        String body = "{\"phone_number\": \"+12125550123\", \"campaign_id\": \"" + "c".repeat(5000) + "\"}";
        assertProblem(postSpamScore(body), 413, "payload_too_large");
    }

    /** Including types no parser reads, which a WebFlux client would not even send. */
    @ParameterizedTest(name = "Content-Type: {0}")
    @ValueSource(strings = {"text/plain", "json", "application/"})
    void refusesAnythingButJson(String contentType) {
        HttpResponse<String> response = TestStack.send(request("/api/v1/spam_score")
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")));
        assertProblem(response, 415, "unsupported_media_type");
    }

    @Test
    void refusesABodyWithoutContentType() {
        HttpResponse<String> response = TestStack.send(request("/api/v1/spam_score")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")));
        assertProblem(response, 415, "unsupported_media_type");
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"text/plain", "application/"})
    void refusesAnAcceptWithoutJson(String accept) {
        HttpResponse<String> response = TestStack.send(request("/api/v1/spam_score")
                .header("Content-Type", "application/json").header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")));
        assertProblem(response, 400, "invalid_request");
    }

    @Test
    void unknownPathsAndMethodsAreProblemsToo() {
        assertProblem(TestStack.send(TestStack.request("/api/v1/nothing-here", TestStack.get().adminToken()).GET()), 404,
                "not_found");
        assertProblem(TestStack.send(request("/api/v1/spam_score").GET()), 405, "method_not_allowed");
    }

    @Test
    void aPathNoRuleOpensNeedsTheAdminRole() {
        // Deny by default: a lookup token may use only the paths the perimeter opens to it.
        assertProblem(TestStack.send(request("/api/v1/nothing-here").GET()), 403, "forbidden");
    }

    private static HttpRequest.Builder request(String path) {
        return TestStack.request(path, TestStack.get().lookupToken());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asString()).isEqualTo(code);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
        assertThat(UUID.fromString(problem.get("request_id").asString()).toString())
                .isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.spamcheck");
    }
}
