package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.spamcheck.gateway.auth.Role;
import dev.spamcheck.gateway.auth.TokenSecrets;
import tools.jackson.databind.JsonNode;

/** Token management, number history and the audit query, through the admin API. */
class AdminSystemTest {

    @Test
    void aCreatedTokenIsShownOnceAndListedWithoutItsSecret() {
        JsonNode created = AdminApi.createToken("hubspot workflows", "lookup");
        String token = created.get("token").asString();
        assertThat(token).matches("sct_[A-Za-z0-9_-]{43}");
        assertThat(created.get("role").asString()).isEqualTo("lookup");

        HttpResponse<String> list = AdminApi.get("/api/v1/admin/tokens");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains(created.get("id").asString()).doesNotContain(token);
    }

    @Test
    void revokingAnUnknownTokenIs404AndRevokingTwiceIsHarmless() {
        assertThat(json(AdminApi.delete("/api/v1/admin/tokens/tok_000000000000")).get("code").asString())
                .isEqualTo("not_found");
        String id = AdminApi.createToken("twice", "admin").get("id").asString();
        AdminApi.revoke(id);
        HttpResponse<String> again = AdminApi.delete("/api/v1/admin/tokens/" + id);
        assertThat(again.statusCode()).isEqualTo(204);

        // The audit trail, through Kafka and the archiver, says which token was revoked.
        assertThat(AuditLog.awaitRow(AuthSystemTest.requestId(again))).containsEntry("target", id)
                .containsEntry("path", "/api/v1/admin/tokens/{id}");
    }

    @Test
    void aChosenSecretStoredAgainHasTheRoleAskedForNow() {
        // As the devstack stores SPAMCHECK_DEV_ADMIN_TOKEN, and later the same secret as the lookup token.
        String secret = TokenSecrets.newToken();
        TestStack.remember(secret);
        TestStack.get().replaceToken("chosen", Role.ADMIN, secret);
        assertThat(keysWith(secret)).isEqualTo(200);

        TestStack.get().replaceToken("chosen", Role.LOOKUP, secret);

        await().atMost(Duration.ofSeconds(5)).until(() -> keysWith(secret) == 403);
    }

    private static int keysWith(String token) {
        return TestStack.send(HttpRequest.newBuilder(URI.create(TestStack.get().baseUrl() + "/api/v1/admin/keys"))
                .header("Authorization", "Bearer " + token).GET()).statusCode();
    }

    @Test
    void badTokenRequestsAre400() {
        assertThat(AdminApi.post("/api/v1/admin/tokens", "{\"name\": \"x\", \"role\": \"root\"}").statusCode()).isEqualTo(400);
        assertThat(AdminApi.post("/api/v1/admin/tokens", "{\"name\": \"x\"}").statusCode()).isEqualTo(400);
        assertThat(AdminApi.post("/api/v1/admin/tokens", "{\"name\": \"x\", \"role\": \"lookup\", \"x\": 1}").statusCode())
                .isEqualTo(400);
    }

    @Test
    void theHistoryOfANumberListsItsChecksWithoutTheNumber() {
        String number = TestStack.uniqueNumber("0042");
        assertThat(TestStack.lookUp(number).statusCode()).isEqualTo(200);

        HttpResponse<String> response = AdminApi.post("/api/v1/admin/numbers/history",
                "{\"phone_number\": \"" + number + "\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode history = json(response);
        assertThat(history.get("last4").asString()).isEqualTo("0042");
        assertThat(history.get("checks")).hasSize(1);
        assertThat(history.get("checks").get(0).get("spam_score").asInt()).isEqualTo(1);
        assertThat(history.get("checks").get(0).get("origin").asString()).isEqualTo("interactive");
        assertThat(response.body()).doesNotContain(number.substring(2));
    }

    @Test
    void theHistoryOfAnInvalidNumberIs400() {
        HttpResponse<String> response = AdminApi.post("/api/v1/admin/numbers/history", "{\"phone_number\": \"12\"}");
        assertThat(json(response).get("code").asString()).isEqualTo("invalid_phone_number");
    }

    @Test
    void theAuditTrailCanBeQueriedByLastFourDigitsCampaignAndOutcome() {
        String number = TestStack.uniqueNumber("8642");
        String campaign = "audit-" + System.nanoTime();
        Instant before = Instant.now().minusSeconds(1);
        HttpResponse<String> lookup = TestStack.postSpamScore(
                "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}");
        AuditLog.awaitRow(AuthSystemTest.requestId(lookup));

        JsonNode events = json(AdminApi.get("/api/v1/admin/audit?campaign_id=" + campaign + "&last4=8642&outcome=miss&from="
                + before)).get("events");

        assertThat(events).hasSize(1);
        JsonNode event = events.get(0);
        assertThat(event.get("request_id").asString()).isEqualTo(AuthSystemTest.requestId(lookup));
        assertThat(event.get("number_last4").asString()).isEqualTo("8642");
        assertThat(event.get("http_status").asInt()).isEqualTo(200);
        assertThat(event.get("token_id").asString()).startsWith("tok_");
        assertThat(json(AdminApi.get("/api/v1/admin/audit?campaign_id=" + campaign + "&outcome=hit")).get("events")).isEmpty();
    }

    @Test
    void badAuditQueriesAre400() {
        assertThat(AdminApi.get("/api/v1/admin/audit?from=yesterday").statusCode()).isEqualTo(400);
        assertThat(AdminApi.get("/api/v1/admin/audit?last4=12345").statusCode()).isEqualTo(400);
        assertThat(AdminApi.get("/api/v1/admin/audit?limit=0").statusCode()).isEqualTo(400);
    }
}
