package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.NumberProtection;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Several Lookup v1 add-ons in one paid call, decided by the majority policy, through the whole
 * system: the stub's disagreeing numbers (docs/testing.md) answer with the policy's score, the
 * combined risk and each source's verdict, the same again from the cache, in the number's
 * history, and in the cached row a gateway without the answer in its view reads. On a devstack of
 * its own, since the shared one asks Nomorobo alone.
 */
class SeveralSourcesSystemTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = DevStack.start(new DevStack.Options(TestStack.freshHome("several-sources-test"), 0, 0,
                Duration.ofMillis(50), Map.of(
                        "spamcheck.providers.twilio.add-ons",
                        "nomorobo_spamscore,icehook_scout,marchex_cleancall,truecnam_truespam",
                        "spamcheck.verdict.policy", "majority"), null, null));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void theMajorityOfTheSourcesDecidesAndEachVerdictIsShown() throws Exception {
        // Nomorobo says clean; IceHook Scout, Marchex and TrueSpam flag it.
        String outvoted = Traffic.uniqueNumber("7102");
        JsonNode answer = lookUp(outvoted);
        assertThat(answer.get("spam_score").asInt()).isEqualTo(1);
        assertThat(answer.get("risk").asInt()).isEqualTo(60);
        assertThat(answer.get("sources").values()).extracting(s -> s.get("source").asString(),
                s -> s.get("verdict").asString()).containsExactly(tuple("nomorobo_spamscore", "clean"),
                        tuple("icehook_scout", "flagged"), tuple("marchex_cleancall", "flagged"),
                        tuple("truecnam_truespam", "flagged"));
        assertThat(answer.get("sources").get(1).get("score").asInt()).isEqualTo(94);
        assertThat(answer.get("sources").get(2).get("reasons").get(0).asString()).isEqualTo("Robocaller");
        assertThat(answer.get("sources").get(2).has("score")).as("Marchex does not grade").isFalse();

        // Answered again from the cache, verdicts and all.
        assertThat(lookUp(outvoted)).isEqualTo(answer);
        assertThat(stack.twilio().callsFor(outvoted)).isEqualTo(1);

        // Two flag it, two call it clean: a tie is clean.
        JsonNode tie = lookUp(Traffic.uniqueNumber("7103"));
        assertThat(tie.get("spam_score").asInt()).isZero();
        assertThat(tie.get("risk").asInt()).isEqualTo(35);

        // Nomorobo failed, the others flag it: decided without it, which the default policy could not.
        JsonNode withoutNomorobo = lookUp(Traffic.uniqueNumber("7104"));
        assertThat(withoutNomorobo.get("spam_score").asInt()).isEqualTo(1);
        assertThat(withoutNomorobo.get("sources").get(0).get("verdict").asString()).isEqualTo("unknown");
        assertThat(withoutNomorobo.get("sources").get(0).get("status").asString()).isEqualTo("failed");
        assertThat(withoutNomorobo.get("risk").asInt()).isEqualTo(90);

        // A failed add-on and one without data on the number take no part.
        JsonNode sparse = lookUp(Traffic.uniqueNumber("7105"));
        assertThat(sparse.get("spam_score").asInt()).isZero();
        assertThat(sparse.get("risk").asInt()).isZero();
        assertThat(sparse.get("sources").get(3).get("verdict").asString()).isEqualTo("unknown");
        assertThat(sparse.get("sources").get(3).get("reasons").get(0).asString()).isEqualTo("no_match");

        // The history shows the verdicts of each check.
        HttpResponse<String> history = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl()
                + "/api/v1/admin/numbers/history")).header("Authorization", "Bearer " + stack.adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + outvoted + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
        OpenApiContract.assertDocumented("POST", "/api/v1/admin/numbers/history", history);
        JsonNode check = JSON.readTree(history.body()).get("checks").get(0);
        assertThat(check.get("risk").asInt()).isEqualTo(60);
        assertThat(check.get("sources")).isEqualTo(answer.get("sources"));

        // What a gateway that has not seen the answer reads from PostgreSQL.
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                PreparedStatement query = db.prepareStatement(
                        "SELECT risk, sources::text FROM phone_reputation WHERE number_hash = ?")) {
            query.setString(1, NumberProtection.fromSecrets(stack.hashKey(), stack.encryptionKeys()).hash(outvoted));
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).isTrue();
                assertThat(row.getInt(1)).isEqualTo(60);
                assertThat(JSON.readTree(row.getString(2))).isEqualTo(answer.get("sources"));
            }
        }
    }

    private static JsonNode lookUp(String number) {
        HttpResponse<String> response = OwnStack.lookUp(stack, number);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
        return JSON.readTree(response.body());
    }
}
