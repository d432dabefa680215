package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static dev.spamcheck.devstack.TestStack.lookUp;
import static dev.spamcheck.devstack.TestStack.uniqueNumber;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import tools.jackson.databind.JsonNode;

/** The lookup path through real HTTP, Kafka, PostgreSQL and the Twilio stub. */
class SpamScoreSystemTest {

    private static TwilioStub twilio;

    @BeforeAll
    static void startStack() {
        twilio = TestStack.get().twilio();
    }

    @Test
    void aCleanNumberScoresZero() {
        String number = uniqueNumber("0123");
        Instant before = Instant.now().minusSeconds(1);

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(body.get("spam_score").asInt()).isZero();
        assertThat(body.get("checked_at").asString()).endsWith("Z");
        assertThat(Instant.parse(body.get("checked_at").asString())).isAfter(before);
        assertThat(twilio.callsFor(number)).isEqualTo(1);
    }

    @Test
    void aFlaggedNumberScoresOne() {
        String number = uniqueNumber("0042");

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("spam_score").asInt()).isEqualTo(1);
    }

    @Test
    void aSecondRequestWithinTheTtlIsAnsweredFromTheCache() {
        String number = uniqueNumber("0007");

        JsonNode first = json(lookUp(number));
        JsonNode second = json(lookUp(number));

        assertThat(second).isEqualTo(first);
        assertThat(twilio.callsFor(number)).isEqualTo(1);
    }

    @Test
    void afterTheTtlTwilioIsAskedAgain() {
        String number = uniqueNumber("0456");
        assertThat(lookUp(number).statusCode()).isEqualTo(200);
        assertThat(twilio.callsFor(number)).isEqualTo(1);

        // The test stack runs with a 5 s TTL: keep asking until the cached answer has expired.
        await().atMost(TestStack.CACHE_TTL.plusSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> lookUp(number).statusCode() == 200 && twilio.callsFor(number) == 2);
    }

    @Test
    void aFailedAddOnAnswers503AndIsNotCached() throws Exception {
        String number = uniqueNumber("6100");

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(json(response).get("code").asString()).isEqualTo("service_unavailable");
        assertThat(reputationRows(number)).isZero();

        assertThat(lookUp(number).statusCode()).isEqualTo(503);
        assertThat(twilio.callsFor(number)).isEqualTo(2);
    }

    @Test
    void aNumberTwilioDoesNotKnowAnswers422() {
        String number = uniqueNumber("4040");

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(json(response).get("code").asString()).isEqualTo("phone_number_not_found");
    }

    @Test
    void aLookupThatOutlastsTheLookupTimeoutAnswers503() {
        ConfigurableApplicationContext impatient = TestStack.get().startGateway(0, 0,
                Map.of("spamcheck.lookup-timeout", "PT1S"));
        try {
            String number = uniqueNumber("7777");
            long started = System.nanoTime();

            HttpResponse<String> response = TestStack.postSpamScore(DevStack.baseUrl(impatient),
                    "{\"phone_number\": \"" + number + "\"}");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(json(response).get("code").asString()).isEqualTo("service_unavailable");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
        finally {
            impatient.close();
        }
    }

    @Test
    void requestsFromManyCallersForOneNumberCostOneLookup() throws Exception {
        String number = uniqueNumber("0333");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(10);
        try {
            var answers = pool.invokeAll(java.util.Collections.nCopies(10, () -> lookUp(number).statusCode()));
            for (var answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        finally {
            pool.shutdown();
        }
        assertThat(twilio.callsFor(number)).isEqualTo(1);
    }

    private static int reputationRows(String number) throws Exception {
        try (Connection db = TestStack.database();
                PreparedStatement query = db.prepareStatement(
                        "SELECT count(*) FROM phone_reputation WHERE number_hash = ?")) {
            query.setString(1, TestStack.protection().hash(number));
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
