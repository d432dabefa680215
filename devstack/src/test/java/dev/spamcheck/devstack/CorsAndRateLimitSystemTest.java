package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** CORS for the web tool's origin, and the optional per-token rate limit. */
class CorsAndRateLimitSystemTest {

    private static final String TOOL = "https://tool.example.com";
    private static ConfigurableApplicationContext gateway;

    @BeforeAll
    static void startGateway() {
        gateway = TestStack.get().startGateway(0, 0, Map.of("spamcheck.cors-origins", TOOL,
                "spamcheck.gateway.per-token-rate", "2"));
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    @Test
    void aPreflightFromTheToolsOriginIsAnsweredWithoutAToken() {
        HttpResponse<String> response = TestStack.send(request()
                .header("Origin", TOOL)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(TOOL);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("POST");
    }

    @Test
    void aPreflightFromAnotherOriginIsAProblem() {
        HttpResponse<String> response = TestStack.send(request()
                .header("Origin", "https://evil.example.com")
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).get("code").asString()).isEqualTo("forbidden");
    }

    @Test
    void theToolsBrowserCanReadARefusal() {
        HttpResponse<String> response = TestStack.send(request()
                .header("Origin", TOOL)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(TOOL);
        assertThat(response.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
                .contains("X-Request-Id", "Retry-After");
    }

    @Test
    void aTokenOverItsRateGets429WithRetryAfter() {
        String token = AdminApi.createToken("rate limited", "lookup").get("token").asString();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            responses.add(TestStack.send(request()
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"12\"}"))));
        }
        HttpResponse<String> limited = responses.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(json(limited).get("code").asString()).isEqualTo("too_many_requests");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(AuditLog.awaitRow(AuthSystemTest.requestId(limited)).get("outcome")).isEqualTo("rejected");
    }

    private static HttpRequest.Builder request() {
        return HttpRequest.newBuilder(URI.create(DevStack.baseUrl(gateway) + "/api/v1/spam_score"));
    }
}
