package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.WebhookReceiver.Answer;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end: an admin subscribes a receiver on this machine, numbers turn through real
 * lookups (the stub's {@code 89xx} numbers are flagged first and clean later), and the archiver
 * delivers each change signed, once, retrying failures and dead-lettering what never succeeds.
 * The test stack retries fast: from 0.5 s, for 10 s, with a 2 s timeout.
 */
class WebhooksSystemTest {

    private static WebhookReceiver receiver;

    @BeforeAll
    static void startReceiver() throws Exception {
        TestStack.get();
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Test
    void aSubscriberLearnsOfEachTurnSignedAndOnce() {
        String campaign = campaign();
        HttpResponse<String> created = AdminApi.post("/api/v1/admin/webhooks", """
                {"url": "%s", "events": ["number.flagged", "number.cleared"], "campaign_id": "%s"}"""
                .formatted(receiver.url("/turns"), campaign));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode webhook = TestStack.json(created);
        String id = webhook.get("id").asString();
        String secret = webhook.get("secret").asString();
        assertThat(secret).startsWith("whsec_");
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/admin/webhooks/" + id);
        assertThat(webhook.get("include_phone_number").asBoolean()).isFalse();

        HttpResponse<String> listed = AdminApi.get("/api/v1/admin/webhooks");
        assertThat(listed.body()).contains(id).doesNotContain(secret).doesNotContain("\"secret\"");
        assertThat(AdminApi.get("/api/v1/admin/webhooks/" + id).body()).doesNotContain(secret);

        String number = TestStack.uniqueNumber("8901");
        assertThat(score(number, campaign)).isEqualTo(1);
        WebhookReceiver.Delivery flagged = awaitDeliveries("/turns", 1).get(0);
        assertThat(flagged.signedWith(secret)).as(flagged.signature()).isTrue();
        assertThat(flagged.signedAt()).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
        JsonNode payload = flagged.json();
        assertThat(fieldNames(payload)).containsExactly("id", "type", "occurred_at", "number_last4", "number_hash",
                "campaign_id", "previous_score", "spam_score", "checked_at");
        assertThat(payload.get("type").asString()).isEqualTo("number.flagged");
        assertThat(payload.get("number_last4").asString()).isEqualTo("8901");
        assertThat(payload.get("number_hash").asString()).isEqualTo(TestStack.protection().hash(number));
        assertThat(payload.get("campaign_id").asString()).isEqualTo(campaign);
        assertThat(payload.get("previous_score").isNull()).isTrue();
        assertThat(payload.get("spam_score").asInt()).isEqualTo(1);
        assertThat(Instant.parse(payload.get("checked_at").asString())).isBefore(Instant.now());
        assertThat(flagged.body()).doesNotContain(number.substring(2));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> score(number, campaign) == 0);
        JsonNode cleared = awaitDeliveries("/turns", 2).get(1).json();
        assertThat(cleared.get("type").asString()).isEqualTo("number.cleared");
        assertThat(cleared.get("previous_score").asInt()).isEqualTo(1);
        assertThat(cleared.get("spam_score").asInt()).isZero();
        assertThat(cleared.get("id").asString()).isNotEqualTo(payload.get("id").asString());

        // Exactly once: nothing else arrives, and the log shows two deliveries, one attempt each.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received("/turns").size() == 2);
        JsonNode deliveries = deliveries(id, "");
        assertThat(deliveries).hasSize(2);
        for (JsonNode delivery : deliveries) {
            assertThat(delivery.get("status").asString()).isEqualTo("delivered");
            assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
            assertThat(delivery.get("last_status_code").asInt()).isEqualTo(200);
            assertThat(delivery.get("attempt_log").get(0).get("status_code").asInt()).isEqualTo(200);
        }
    }

    @Test
    void onlyTheEventsAndCampaignASubscriptionNamesReachIt() throws Exception {
        String campaign = campaign();
        String flaggedOnly = subscribe("/flagged-only", "[\"number.flagged\"]", campaign, false);
        String clearedOnly = subscribe("/cleared-only", "[\"number.cleared\"]", campaign, false);
        String otherCampaign = subscribe("/other-campaign", "[\"number.flagged\"]", campaign(), false);
        String deleted = subscribe("/deleted", "[\"number.flagged\"]", campaign, false);
        assertThat(AdminApi.delete("/api/v1/admin/webhooks/" + deleted).statusCode()).isEqualTo(204);

        assertThat(score(TestStack.uniqueNumber("8902"), campaign)).isEqualTo(1);
        awaitDeliveries("/flagged-only", 1);
        // The fan-out queues a change for every subscription in one statement: none more is coming.
        assertThat(deliveries(clearedOnly, "")).isEmpty();
        assertThat(deliveries(otherCampaign, "")).isEmpty();
        assertThat(receiver.received("/deleted")).isEmpty();
        assertThat(deliveries(flaggedOnly, "")).hasSize(1);
        assertThat(AdminApi.get("/api/v1/admin/webhooks/" + deleted).statusCode()).isEqualTo(404);
        // Its delivery log stays readable, as the evidence it is kept for.
        assertThat(deliveries(deleted, "")).isEmpty();
        assertThat(AdminApi.get("/api/v1/admin/webhooks").body()).doesNotContain(deleted);
        // A retry whose first answer was lost: the same outcome, and the first deletion's record.
        assertThat(AdminApi.delete("/api/v1/admin/webhooks/" + deleted).statusCode()).isEqualTo(204);
        assertThat(AdminApi.delete("/api/v1/admin/webhooks/whk_0000000000000000").statusCode()).isEqualTo(404);

        // What the audit trail names stays on record, without the means to sign for it.
        try (Connection db = TestStack.database(); PreparedStatement select = db.prepareStatement("""
                SELECT url, deleted_at IS NOT NULL AS deleted, deleted_by, secret_ciphertext IS NULL AS no_secret
                  FROM webhook_subscriptions WHERE id = ?""")) {
            select.setString(1, deleted);
            try (ResultSet row = select.executeQuery()) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString("url")).endsWith("/deleted");
                assertThat(row.getBoolean("deleted")).isTrue();
                assertThat(row.getString("deleted_by")).startsWith("admin:tok_");
                assertThat(row.getBoolean("no_secret")).isTrue();
            }
        }
    }

    @Test
    void aSubscriptionWithoutCampaignHearsOfEveryCampaignAndOptedInOnesGetTheNumber() throws Exception {
        String withNumber = subscribe("/with-number", "[\"number.flagged\"]", null, true);
        try {
            String number = TestStack.uniqueNumber("8903");
            assertThat(score(number, campaign())).isEqualTo(1);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> receiver.received("/with-number").stream()
                            .anyMatch(d -> number.equals(d.json().path("phone_number").asString(null))));
            try (Connection db = TestStack.database(); PreparedStatement select = db.prepareStatement(
                    "SELECT d::text FROM webhook_deliveries d WHERE subscription_id = ?")) {
                select.setString(1, withNumber);
                try (ResultSet rows = select.executeQuery()) {
                    List<String> stored = new ArrayList<>();
                    while (rows.next()) {
                        stored.add(rows.getString(1));
                    }
                    assertThat(stored).isNotEmpty().noneMatch(row -> row.contains(number.substring(2)));
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> ciphertextsKept(withNumber) == 0);
        }
        finally {
            // Every later change in the whole test run would reach it otherwise.
            AdminApi.delete("/api/v1/admin/webhooks/" + withNumber);
        }
    }

    @Test
    void aChangeFoundByACampaignsPrewarmIsDeliveredToo() {
        String campaign = campaign();
        subscribe("/prewarm", "[\"number.flagged\"]", campaign, false);
        String number = TestStack.uniqueNumber("8906");
        dev.spamcheck.devstack.bench.Traffic.prewarm(TestStack.get(),
                List.of(dev.spamcheck.devstack.bench.Traffic.prewarmEntry(number, campaign)));

        JsonNode change = awaitDeliveries("/prewarm", 1).get(0).json();
        assertThat(change.get("type").asString()).isEqualTo("number.flagged");
        assertThat(change.get("number_last4").asString()).isEqualTo("8906");
        assertThat(change.get("campaign_id").asString()).isEqualTo(campaign);
    }

    @Test
    void aFailingReceiverIsRetriedAsItsRetryAfterSays() {
        receiver.answer("/flaky", n -> n == 1 ? new Answer(503, Map.of("Retry-After", "2"), Duration.ZERO)
                : Answer.status(204));
        String campaign = campaign();
        String id = subscribe("/flaky", "[\"number.flagged\"]", campaign, false);
        assertThat(score(TestStack.uniqueNumber("8904"), campaign)).isEqualTo(1);

        List<WebhookReceiver.Delivery> attempts = awaitDeliveries("/flaky", 2);
        assertThat(Duration.between(attempts.get(0).receivedAt(), attempts.get(1).receivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(attempts.get(1).json().get("id").asString()).isEqualTo(attempts.get(0).json().get("id").asString());
        await().atMost(Duration.ofSeconds(5)).until(() -> "delivered".equals(deliveries(id, "").get(0).get("status").asString()));
        JsonNode delivery = deliveries(id, "").get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(2);
        assertThat(delivery.get("attempt_log")).extracting(a -> a.get("status_code").asInt()).containsExactly(503, 204);
    }

    @Test
    void aReceiverThatNeverSucceedsEndsInTheDeadLetters() {
        receiver.answer("/broken", n -> Answer.status(500));
        String campaign = campaign();
        String id = subscribe("/broken", "[\"number.flagged\"]", campaign, false);
        assertThat(score(TestStack.uniqueNumber("8905"), campaign)).isEqualTo(1);

        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> deliveries(id, "?status=dead").size() == 1);
        JsonNode dead = deliveries(id, "?status=dead").get(0);
        assertThat(dead.get("last_status_code").asInt()).isEqualTo(500);
        assertThat(dead.get("last_error").asString()).isEqualTo("HTTP 500");
        assertThat(dead.get("attempts").asInt()).isGreaterThan(2).isEqualTo(receiver.received("/broken").size());
        assertThat(dead.has("next_attempt_at")).isFalse();
        assertThat(deliveries(id, "?status=pending")).isEmpty();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> receiver.received("/broken").size() == dead.get("attempts").asInt());
    }

    @Test
    void aSlowReceiverDelaysNeitherLookupsNorOtherReceivers() {
        receiver.answer("/slow", n -> new Answer(200, Map.of(), Duration.ofSeconds(30)));
        String campaign = campaign();
        String slow = subscribe("/slow", "[\"number.flagged\"]", campaign, false);
        subscribe("/prompt", "[\"number.flagged\"]", campaign, false);

        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            numbers.add(TestStack.uniqueNumber("891" + i));
        }
        Instant start = Instant.now();
        for (String number : numbers) {
            assertThat(score(number, campaign)).isEqualTo(1);
        }
        awaitDeliveries("/prompt", numbers.size());
        // Four attempts at a time go to the slow receiver, each held until the 2 s timeout.
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(15)).until(() -> deliveries(slow, "").valueStream()
                .anyMatch(d -> "timeout".equals(d.path("last_error").asString(null))));
    }

    @Test
    void subscriptionsAreCheckedBeforeTheyAreStored() {
        for (String body : List.of(
                "{\"url\": \"http://hooks.example.com/x\", \"events\": [\"number.flagged\"]}",
                "{\"url\": \"ftp://hooks.example.com/x\", \"events\": [\"number.flagged\"]}",
                "{\"url\": \"https://user:pw@hooks.example.com/x\", \"events\": [\"number.flagged\"]}",
                "{\"url\": \"https://hooks.example.com/x\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": []}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.deleted\"]}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": \"number.flagged\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"], \"include_phone_number\": \"yes\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"], \"campaign_id\": \"a\\u0000b\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"], \"secret\": \"mine\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"], \"campaign_id\": \"\"}",
                "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"], \"campaign_id\": \"" + "c".repeat(65) + "\"}",
                "{\"url\": \"https://hooks.example.com/\\nx\", \"events\": [\"number.flagged\"]}",
                "{\"url\": 5, \"events\": [\"number.flagged\"]}",
                "[]")) {
            HttpResponse<String> response = AdminApi.post("/api/v1/admin/webhooks", body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(TestStack.json(response).get("code").asString()).isEqualTo("invalid_request");
        }
        assertThat(AdminApi.delete("/api/v1/admin/webhooks/whk_0000000000000000").statusCode()).isEqualTo(404);
        assertThat(AdminApi.delete("/api/v1/admin/webhooks/not-an-id").statusCode()).isEqualTo(404);
        assertThat(AdminApi.get("/api/v1/admin/webhooks/whk_0000000000000000/deliveries").statusCode()).isEqualTo(404);
        String id = subscribe("/checked", "[\"number.flagged\"]", campaign(), false);
        for (String query : List.of("?status=lost", "?limit=0", "?limit=201", "?limit=x", "?limit=1&limit=2", "?page=2")) {
            HttpResponse<String> response = AdminApi.get("/api/v1/admin/webhooks/" + id + "/deliveries" + query);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
        }
    }

    @Test
    void onlyAdminsManageWebhooks() {
        JsonNode lookupToken = AdminApi.createToken("webhook-outsider-" + UUID.randomUUID(), "lookup");
        HttpResponse<String> response = TestStack.send(TestStack.request("/api/v1/admin/webhooks",
                lookupToken.get("token").asString()).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"url\": \"https://hooks.example.com/x\", \"events\": [\"number.flagged\"]}")));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(TestStack.send(TestStack.request("/api/v1/admin/webhooks", lookupToken.get("token").asString())
                .GET()).statusCode()).isEqualTo(403);
        AdminApi.revoke(lookupToken.get("id").asString());
    }

    private static String subscribe(String path, String events, String campaign, boolean includePhoneNumber) {
        HttpResponse<String> created = AdminApi.post("/api/v1/admin/webhooks",
                "{\"url\": \"%s\", \"events\": %s, %s \"include_phone_number\": %s}".formatted(receiver.url(path),
                        events, campaign == null ? "" : "\"campaign_id\": \"" + campaign + "\",", includePhoneNumber));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return TestStack.json(created).get("id").asString();
    }

    private static List<WebhookReceiver.Delivery> awaitDeliveries(String path, int count) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> receiver.received(path).size() >= count);
        return receiver.received(path);
    }

    private static JsonNode deliveries(String id, String query) {
        HttpResponse<String> response = AdminApi.get("/api/v1/admin/webhooks/" + id + "/deliveries" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestStack.json(response).get("deliveries");
    }

    private static int ciphertextsKept(String subscription) throws Exception {
        try (Connection db = TestStack.database(); PreparedStatement select = db.prepareStatement(
                "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = ? AND number_ciphertext IS NOT NULL")) {
            select.setString(1, subscription);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    private static String campaign() {
        return "webhooks-" + UUID.randomUUID();
    }

    private static int score(String number, String campaign) {
        HttpResponse<String> response = TestStack.postSpamScore(
                "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestStack.json(response).get("spam_score").asInt();
    }
}
