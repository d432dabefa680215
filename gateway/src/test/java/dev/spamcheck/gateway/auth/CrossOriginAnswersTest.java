package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What the web tool's browser lets it read ({@code SPAMCHECK_CORS_ORIGINS}): every answer to its
 * origin, refusals included, carries the CORS headers, or the browser turns a 401 or a 503 into a
 * failed fetch with no status, code or {@code Retry-After}. Preflights stay behind the perimeter.
 */
@GatewaySliceTest(TokenAdminController.class)
@TestPropertySource(properties = "spamcheck.cors-origins=" + CrossOriginAnswersTest.TOOL)
class CrossOriginAnswersTest {

    static final String TOOL = "https://tool.example.com";
    /** Absolute, as a server's requests are: CORS compares the origin with the request's own. */
    private static final String URL = "http://localhost";

    @Autowired
    WebTestClient http;

    @ParameterizedTest(name = "{0} with {1} token: {2}")
    @CsvSource({
            "/api/v1/openapi.yaml, lookup, 200",
            "/api/v1/openapi.yaml, none, 401",
            "/api/v1/openapi.yaml, unknown, 401",
            "/api/v1/admin/tokens, lookup, 403"})
    void theToolReadsEveryAnswerItGets(String path, String token, int status) {
        WebTestClient.RequestHeadersSpec<?> request = http.get().uri(URL + path).header(HttpHeaders.ORIGIN, TOOL);
        if (!token.equals("none")) {
            request = request.header(HttpHeaders.AUTHORIZATION,
                    "Bearer " + (token.equals("lookup") ? GatewaySlice.LOOKUP : TokenSecrets.newToken()));
        }
        readableByTheTool(request.exchange().expectStatus().isEqualTo(status));
    }

    @Test
    void theToolMayAskForHeadersAlone() {
        readableByTheTool(http.head().uri(URL + "/api/v1/openapi.yaml").header(HttpHeaders.ORIGIN, TOOL)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + GatewaySlice.LOOKUP).exchange().expectStatus().isOk());
    }

    /** As its preflight is refused, so is the request itself, alike for every origin. */
    @ParameterizedTest(name = "Origin: {0}")
    @CsvSource({TOOL, "https://evil.example.com"})
    void anAddressOutsideTheAllowListLearnsNothingOfTheOrigins(String origin) {
        http.get().uri(URL + "/api/v1/openapi.yaml").header(HttpHeaders.ORIGIN, origin)
                .header(GatewaySlice.PEER, "203.0.113.9").header(HttpHeaders.AUTHORIZATION, "Bearer " + GatewaySlice.LOOKUP)
                .exchange().expectStatus().isForbidden()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)
                .expectBody().jsonPath("$.detail").isEqualTo("Requests from this address are not allowed");
    }

    @Test
    void aPreflightFromAnAddressOutsideTheAllowListIsRefused() {
        http.options().uri(URL + "/api/v1/spam_score").header(HttpHeaders.ORIGIN, TOOL)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST").header(GatewaySlice.PEER, "203.0.113.9")
                .exchange().expectStatus().isForbidden()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS)
                .expectBody().jsonPath("$.detail").isEqualTo("Requests from this address are not allowed");
    }

    @Test
    void anotherOriginIsRefusedWithoutTheHeaders() {
        http.get().uri(URL + "/api/v1/openapi.yaml").header(HttpHeaders.ORIGIN, "https://evil.example.com")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + GatewaySlice.LOOKUP)
                .exchange().expectStatus().isForbidden()
                .expectHeader().doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)
                .expectBody().jsonPath("$.code").isEqualTo("forbidden");
    }

    private static void readableByTheTool(WebTestClient.ResponseSpec response) {
        response.expectHeader().valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, TOOL)
                .expectHeader().value(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS,
                        exposed -> assertThat(exposed).contains("X-Request-Id", "Retry-After"));
    }
}
