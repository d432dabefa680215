package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.bench.Traffic;
import tools.jackson.databind.JsonNode;

/**
 * A campaign's number health through the real pieces: lookups naming the campaign (misses and
 * cache hits) and its prewarm make its numbers; a number that turns moves its counts.
 */
class CampaignHealthSystemTest {

    @Test
    void aCampaignsHealthFollowsItsNumbers() {
        String campaign = "Spring launch ✓ " + UUID.randomUUID();
        String clean = TestStack.uniqueNumber("0123");
        String flagged = TestStack.uniqueNumber("0042");
        String turning = TestStack.uniqueNumber("8830");
        String cachedBefore = TestStack.uniqueNumber("0123");
        String prewarmed = TestStack.uniqueNumber("0042");
        assertThat(score(cachedBefore, null)).isZero();

        assertThat(score(clean, campaign)).isZero();
        assertThat(score(flagged, campaign)).isEqualTo(1);
        assertThat(score(turning, campaign)).isZero();
        // A cache hit publishes no lookup result: its audit event makes the number the campaign's.
        assertThat(score(cachedBefore, campaign)).isZero();
        Traffic.prewarm(TestStack.get(), List.of(Traffic.prewarmEntry(prewarmed, campaign)));

        JsonNode health = awaitHealth(byQuery(campaign), h -> h.get("numbers_checked").asLong() == 5);
        assertThat(health.get("campaign_id").asString()).isEqualTo(campaign);
        assertThat(health.get("currently_flagged").asLong()).isEqualTo(2);
        assertThat(health.get("changes_last_24h").asLong()).as("two first answers were flagged").isEqualTo(2);
        assertThat(health.get("changes_last_7d").asLong()).isEqualTo(2);
        assertThat(Instant.parse(health.get("updated_at").asString())).isBefore(Instant.now().plusSeconds(1));

        // The turning number is flagged once its cached answer expires (5 s here), whoever asks.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> score(turning, null) == 1);
        health = awaitHealth(byQuery(campaign), h -> h.get("currently_flagged").asLong() == 3);
        assertThat(health.get("numbers_checked").asLong()).isEqualTo(5);
        assertThat(health.get("changes_last_24h").asLong()).isEqualTo(3);
    }

    @Test
    void aPathSafeCampaignIdCanBeInThePath() {
        String campaign = "q4-outbound_" + UUID.randomUUID();
        assertThat(score(TestStack.uniqueNumber("0042"), campaign)).isEqualTo(1);
        JsonNode health = awaitHealth("/api/v1/admin/campaigns/" + campaign + "/health",
                h -> h.get("numbers_checked").asLong() == 1);
        assertThat(health.get("currently_flagged").asLong()).isEqualTo(1);
        assertThat(AdminApi.get(byQuery(campaign)).body()).isEqualTo(AdminApi.get(
                "/api/v1/admin/campaigns/" + campaign + "/health").body());
    }

    @Test
    void anUnknownCampaignIsNotFoundAndAMalformedAskIsInvalid() {
        for (String path : List.of("/api/v1/admin/campaigns/never-used-" + UUID.randomUUID() + "/health",
                byQuery("never-used " + UUID.randomUUID()))) {
            HttpResponse<String> response = AdminApi.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(TestStack.json(response).get("code").asString()).isEqualTo("not_found");
        }
        for (String path : List.of("/api/v1/admin/campaigns/" + "x".repeat(65) + "/health", byQuery("x".repeat(65)),
                "/api/v1/admin/campaigns/a%20b/health", "/api/v1/admin/campaigns/health",
                "/api/v1/admin/campaigns/health?campaign_id=a%0Ab",
                "/api/v1/admin/campaigns/health?campaign_id=", "/api/v1/admin/campaigns/health?campaign_id=a&campaign_id=b",
                "/api/v1/admin/campaigns/health?campaign_id=a&limit=3", "/api/v1/admin/campaigns/spring/health?x=1")) {
            HttpResponse<String> response = AdminApi.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(TestStack.json(response).get("code").asString()).isEqualTo("invalid_request");
        }
    }

    @Test
    void onlyAdminsSeeCampaignHealth() {
        JsonNode token = AdminApi.createToken("campaign-outsider-" + UUID.randomUUID(), "lookup");
        HttpResponse<String> response = TestStack.send(TestStack.request("/api/v1/admin/campaigns/spring/health",
                token.get("token").asString()).GET());
        assertThat(response.statusCode()).isEqualTo(403);
        AdminApi.revoke(token.get("id").asString());
    }

    private static String byQuery(String campaign) {
        return "/api/v1/admin/campaigns/health?campaign_id=" + URLEncoder.encode(campaign, StandardCharsets.UTF_8);
    }

    private static JsonNode awaitHealth(String path, java.util.function.Predicate<JsonNode> condition) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            HttpResponse<String> response = AdminApi.get(path);
            return response.statusCode() == 200 ? TestStack.json(response) : null;
        }, health -> health != null && condition.test(health));
    }

    private static int score(String number, String campaign) {
        String body = campaign == null ? "{\"phone_number\": \"" + number + "\"}"
                : "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}";
        HttpResponse<String> response = TestStack.postSpamScore(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestStack.json(response).get("spam_score").asInt();
    }
}
