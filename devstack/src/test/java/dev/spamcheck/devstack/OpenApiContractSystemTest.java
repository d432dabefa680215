package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.OpenApiContract.assertDocumented;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Real answers of every documented status, checked against the OpenAPI document. The one status
 * not provoked is 500, which only a bug can produce.
 */
class OpenApiContractSystemTest {

    private static final String SPAM_SCORE = "/api/v1/spam_score";
    private static final Set<String> SEEN = new HashSet<>();
    private static ConfigurableApplicationContext strict;

    @BeforeAll
    static void startGateway() {
        strict = TestStack.get().startGateway(0, 0, Map.of("spamcheck.gateway.per-token-rate", "1",
                "spamcheck.allowed-cidrs", "10.0.0.0/8"));
    }

    @AfterAll
    static void everyStatusWasSeen() {
        strict.close();
        Set<String> documented = new HashSet<>(OpenApiContract.documentedStatuses("POST", SPAM_SCORE));
        documented.remove("500");
        assertThat(SEEN).containsAll(documented);
    }

    @Test
    void spamScoreAnswers() {
        check(lookUp(TestStack.uniqueNumber("0123")));
        check(lookUp(TestStack.uniqueNumber("4040")));
        check(lookUp(TestStack.uniqueNumber("6100")));
        check(lookUp("+1212555012"));
        check(TestStack.postSpamScore("{\"phone_number\": 5}"));
        check(TestStack.postSpamScore("{\"phone_number\": \"+12125550123\", \"campaign_id\": \"" + "c".repeat(5000) + "\"}"));
        check(TestStack.send(TestStack.request(SPAM_SCORE, TestStack.get().lookupToken())
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x"))));
        check(TestStack.send(TestStack.request(SPAM_SCORE, null)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"))));
        check(TestStack.send(strictRequest().POST(HttpRequest.BodyPublishers.ofString("{}"))));
        int port = TestStack.get().gatewayPort();
        check(RawHttp.send(port, "POST", SPAM_SCORE + "?" + "x".repeat(5000), List.of(), "{}"));
        check(RawHttp.send(port, "POST", SPAM_SCORE, List.of("X-Big: " + "x".repeat(9000)), "{}"));
    }

    @Test
    void rateLimitedAnswers() {
        ConfigurableApplicationContext limited = TestStack.get().startGateway(0, 0,
                Map.of("spamcheck.gateway.per-token-rate", "1"));
        try {
            HttpResponse<String> last = null;
            for (int i = 0; i < 4 && (last == null || last.statusCode() != 429); i++) {
                last = TestStack.send(HttpRequest.newBuilder(URI.create(DevStack.baseUrl(limited) + SPAM_SCORE))
                        .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"1\"}")));
            }
            assertThat(last.statusCode()).isEqualTo(429);
            check(last);
        }
        finally {
            limited.close();
        }
    }

    @Test
    void adminAnswers() {
        HttpResponse<String> created = AdminApi.post("/api/v1/admin/tokens", "{\"name\": \"contract\", \"role\": \"lookup\"}");
        TestStack.remember(TestStack.json(created).get("token").asString());
        assertDocumented("POST", "/api/v1/admin/tokens", created);
        assertDocumented("POST", "/api/v1/admin/tokens",
                AdminApi.post("/api/v1/admin/tokens", "{\"name\": \"contract\", \"role\": \"superuser\"}"));
        assertDocumented("GET", "/api/v1/admin/tokens", AdminApi.get("/api/v1/admin/tokens"));
        assertDocumented("GET", "/api/v1/admin/tokens",
                TestStack.send(TestStack.request("/api/v1/admin/tokens", TestStack.get().lookupToken()).GET()));
        String id = TestStack.json(created).get("id").asString();
        assertDocumented("DELETE", "/api/v1/admin/tokens/{id}", AdminApi.delete("/api/v1/admin/tokens/" + id));
        assertDocumented("DELETE", "/api/v1/admin/tokens/{id}", AdminApi.delete("/api/v1/admin/tokens/tok_000000000000"));

        String number = TestStack.uniqueNumber("0042");
        TestStack.lookUp(number);
        assertDocumented("POST", "/api/v1/admin/numbers/history",
                AdminApi.post("/api/v1/admin/numbers/history", "{\"phone_number\": \"" + number + "\"}"));
        assertDocumented("GET", "/api/v1/admin/audit", AdminApi.get("/api/v1/admin/audit?limit=5"));
        assertDocumented("GET", "/api/v1/admin/audit", AdminApi.get("/api/v1/admin/audit?limit=5000"));
        HttpResponse<String> triggered = AdminApi.post("/api/v1/admin/jobs/nightly", "{\"job_date\": \"2002-01-01\"}");
        assertDocumented("POST", "/api/v1/admin/jobs/nightly", triggered);
        assertDocumented("POST", "/api/v1/admin/jobs/nightly",
                AdminApi.post("/api/v1/admin/jobs/nightly", "{\"job_date\": \"tomorrow\"}"));
        assertDocumented("GET", "/api/v1/admin/jobs/{id}", AdminApi.get("/api/v1/admin/jobs/1999-01-01"));
        // Run to its end: a job still running on the shared stack would act on other tests' rows.
        NightlyJobs.awaitCompleted(java.time.LocalDate.of(2002, 1, 1));
        assertDocumented("GET", "/api/v1/admin/jobs/{id}", AdminApi.get("/api/v1/admin/jobs/2002-01-01"));
        assertDocumented("POST", "/api/v1/admin/jobs/nightly", AdminApi.post("/api/v1/admin/jobs/nightly",
                "{\"job_date\": \"" + java.time.LocalDate.now().plusDays(2) + "\"}"));

        assertDocumented("GET", "/api/v1/admin/keys",
                TestStack.send(TestStack.request("/api/v1/admin/keys", TestStack.get().lookupToken()).GET()));
        HttpResponse<String> rotation = AdminApi.post("/api/v1/admin/keys/rotate", "");
        assertDocumented("POST", "/api/v1/admin/keys/rotate", rotation);
        String rotationId = TestStack.json(rotation).get("rotation_id").asString();
        HttpResponse<String> keys = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> AdminApi.get("/api/v1/admin/keys"), response -> response.body().contains(rotationId)
                        && TestStack.json(response).get("last_rotation").get("status").asString().equals("completed"));
        assertDocumented("GET", "/api/v1/admin/keys", keys);
        assertDocumented("GET", "/api/v1/openapi.yaml",
                TestStack.send(TestStack.request("/api/v1/openapi.yaml", TestStack.get().lookupToken()).GET()));
    }

    @Test
    void webhookAndCampaignAnswers() {
        HttpResponse<String> subscribed = AdminApi.post("/api/v1/admin/webhooks",
                "{\"url\": \"https://hooks.example.com/contract\", \"events\": [\"number.flagged\"], "
                        + "\"campaign_id\": \"contract-" + java.util.UUID.randomUUID() + "\"}");
        assertDocumented("POST", "/api/v1/admin/webhooks", subscribed);
        assertDocumented("POST", "/api/v1/admin/webhooks",
                AdminApi.post("/api/v1/admin/webhooks", "{\"url\": \"ftp://x\", \"events\": [\"number.flagged\"]}"));
        String id = TestStack.json(subscribed).get("id").asString();
        assertDocumented("GET", "/api/v1/admin/webhooks", AdminApi.get("/api/v1/admin/webhooks"));
        assertDocumented("GET", "/api/v1/admin/webhooks/{id}", AdminApi.get("/api/v1/admin/webhooks/" + id));
        assertDocumented("GET", "/api/v1/admin/webhooks/{id}/deliveries",
                AdminApi.get("/api/v1/admin/webhooks/" + id + "/deliveries"));
        assertDocumented("GET", "/api/v1/admin/webhooks/{id}/deliveries",
                AdminApi.get("/api/v1/admin/webhooks/" + id + "/deliveries?limit=0"));
        assertDocumented("DELETE", "/api/v1/admin/webhooks/{id}", AdminApi.delete("/api/v1/admin/webhooks/" + id));
        assertDocumented("DELETE", "/api/v1/admin/webhooks/{id}", AdminApi.delete("/api/v1/admin/webhooks/" + id));
        assertDocumented("GET", "/api/v1/admin/webhooks/{id}", AdminApi.get("/api/v1/admin/webhooks/" + id));

        String campaign = "contract-" + java.util.UUID.randomUUID();
        TestStack.postSpamScore("{\"phone_number\": \"" + TestStack.uniqueNumber("0042") + "\", \"campaign_id\": \""
                + campaign + "\"}");
        HttpResponse<String> health = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> AdminApi.get("/api/v1/admin/campaigns/" + campaign + "/health"),
                        response -> response.statusCode() == 200);
        assertDocumented("GET", "/api/v1/admin/campaigns/{campaign_id}/health", health);
        assertDocumented("GET", "/api/v1/admin/campaigns/{campaign_id}/health",
                AdminApi.get("/api/v1/admin/campaigns/nobody/health"));
        assertDocumented("GET", "/api/v1/admin/campaigns/health",
                AdminApi.get("/api/v1/admin/campaigns/health?campaign_id=" + campaign));
        assertDocumented("GET", "/api/v1/admin/campaigns/health", AdminApi.get("/api/v1/admin/campaigns/health"));
    }

    @Test
    void answersOutsideAnyOperationAreProblems() {
        HttpResponse<String> notFound = TestStack.send(TestStack.request("/api/v1/nothing", TestStack.get().adminToken()).GET());
        assertThat(notFound.statusCode()).isEqualTo(404);
        OpenApiContract.assertProblem(notFound);
        HttpResponse<String> notAllowed = TestStack.send(TestStack.request(SPAM_SCORE, TestStack.get().lookupToken()).GET());
        assertThat(notAllowed.statusCode()).isEqualTo(405);
        assertThat(notAllowed.headers().firstValue("Allow")).hasValue("POST");
        OpenApiContract.assertProblem(notAllowed);
    }

    private static HttpRequest.Builder strictRequest() {
        return HttpRequest.newBuilder(URI.create(DevStack.baseUrl(strict) + SPAM_SCORE))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json");
    }

    private static HttpResponse<String> lookUp(String number) {
        return TestStack.postSpamScore("{\"phone_number\": \"" + number + "\"}");
    }

    private static void check(HttpResponse<String> response) {
        assertDocumented("POST", SPAM_SCORE, response);
        synchronized (SEEN) {
            SEEN.add(String.valueOf(response.statusCode()));
        }
    }

    private static void check(RawHttp.Response response) {
        assertDocumented("POST", SPAM_SCORE, response);
        synchronized (SEEN) {
            SEEN.add(String.valueOf(response.status()));
        }
    }
}
