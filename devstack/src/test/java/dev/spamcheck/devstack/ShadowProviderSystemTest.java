package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Telnyx in shadow mode behind the worker's provider seam, as the devstack runs it: every number
 * Twilio scores is asked of Telnyx's stand-in too, its verdict never reaches the answer, and each
 * comparison (agreed, disagreed, undecided) shows at {@code GET /api/v1/admin/providers}.
 */
class ShadowProviderSystemTest {

    @Test
    void theShadowProviderIsComparedWithEveryAnswerAndNeverChangesOne() {
        List<Integer> before = figures();
        String flagged = TestStack.uniqueNumber("0042");
        String clean = TestStack.uniqueNumber("0123");
        String disputed = TestStack.uniqueNumber("7201");
        String unregistered = TestStack.uniqueNumber("7202");

        assertThat(score(flagged)).isEqualTo(1);
        assertThat(score(clean)).isZero();
        // Telnyx flags it; the answer stays Twilio's.
        HttpResponse<String> answer = TestStack.lookUp(disputed);
        assertThat(TestStack.json(answer).get("spam_score").asInt()).isZero();
        assertThat(answer.body()).doesNotContain("telnyx");
        // A cache hit costs neither provider anything (checked below: one call each).
        assertThat(score(disputed)).isZero();
        assertThat(score(unregistered)).isZero();

        // At least: the stack's other work (re-checks, prewarm) may be compared meanwhile too.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<Integer> added = difference(before, figures());
            assertThat(added.get(0)).as("agreed").isGreaterThanOrEqualTo(2);
            assertThat(added.get(1)).as("disagreed").isGreaterThanOrEqualTo(1);
            assertThat(added.get(2)).as("undecided").isGreaterThanOrEqualTo(1);
        });
        for (String number : List.of(flagged, clean, disputed, unregistered)) {
            assertThat(TestStack.get().telnyx().callsFor(number)).isEqualTo(1);
        }
        JsonNode telnyx = telnyx();
        assertThat(telnyx.get("mode").asString()).isEqualTo("shadow");
        assertThat(telnyx.get("agreement").asDouble()).isBetween(0.0, 1.0);
        assertThat(telnyx.get("days").get(0).get("agreed").asInt()).isPositive();
    }

    private static int score(String number) {
        HttpResponse<String> response = TestStack.lookUp(number);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return TestStack.json(response).get("spam_score").asInt();
    }

    /** agreed, disagreed, undecided so far (0 before Telnyx's first comparison). */
    private static List<Integer> figures() {
        JsonNode telnyx = telnyx();
        return telnyx == null ? List.of(0, 0, 0) : List.of(telnyx.get("agreed").asInt(), telnyx.get("disagreed").asInt(),
                telnyx.get("undecided").asInt());
    }

    private static JsonNode telnyx() {
        HttpResponse<String> response = AdminApi.get("/api/v1/admin/providers");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        OpenApiContract.assertDocumented("GET", "/api/v1/admin/providers", response);
        for (JsonNode provider : TestStack.json(response).get("providers").values()) {
            if (provider.get("provider").asString().equals("telnyx")) {
                return provider;
            }
        }
        return null;
    }

    private static List<Integer> difference(List<Integer> before, List<Integer> after) {
        return List.of(after.get(0) - before.get(0), after.get(1) - before.get(1), after.get(2) - before.get(2));
    }
}
