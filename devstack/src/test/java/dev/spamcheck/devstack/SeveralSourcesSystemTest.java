package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Several Lookup v1 add-ons in one paid call, through the whole system: the test stack asks all
 * four, and Nomorobo decides (the default policy; the others are VerdictPolicyTest's). The stub's
 * disagreeing numbers (docs/testing.md) answer with Nomorobo's score, the combined risk and each
 * source's verdict; the same again from the cache, in the number's history and in the cached row a
 * gateway without the answer in its view reads.
 */
class SeveralSourcesSystemTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void eachSourcesVerdictAndTheCombinedRiskComeWithTheScore() throws Exception {
        // Nomorobo says clean; IceHook Scout, Marchex and TrueSpam flag it.
        String outvoted = TestStack.uniqueNumber("7102");
        JsonNode answer = lookUp(outvoted);
        assertThat(answer.get("spam_score").asInt()).isZero();
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
        assertThat(TestStack.get().twilio().callsFor(outvoted)).isEqualTo(1);

        assertThat(lookUp(TestStack.uniqueNumber("7103")).get("risk").asInt()).isEqualTo(35);

        // A failed add-on and one without data on the number take no part.
        JsonNode sparse = lookUp(TestStack.uniqueNumber("7105"));
        assertThat(sparse.get("spam_score").asInt()).isZero();
        assertThat(sparse.get("risk").asInt()).isZero();
        assertThat(sparse.get("sources").get(1).get("status").asString()).isEqualTo("failed");
        assertThat(sparse.get("sources").get(3).get("verdict").asString()).isEqualTo("unknown");
        assertThat(sparse.get("sources").get(3).get("reasons").get(0).asString()).isEqualTo("no_match");

        // Nomorobo failed: the others flag it, but the policy decides by Nomorobo alone.
        HttpResponse<String> undecided = TestStack.lookUp(TestStack.uniqueNumber("7104"));
        assertThat(undecided.statusCode()).as(undecided.body()).isEqualTo(503);

        // The history shows the verdicts of each check.
        HttpResponse<String> history = AdminApi.post("/api/v1/admin/numbers/history",
                "{\"phone_number\": \"" + outvoted + "\"}");
        assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
        OpenApiContract.assertDocumented("POST", "/api/v1/admin/numbers/history", history);
        JsonNode check = TestStack.json(history).get("checks").get(0);
        assertThat(check.get("risk").asInt()).isEqualTo(60);
        assertThat(check.get("sources")).isEqualTo(answer.get("sources"));

        // What a gateway that has not seen the answer reads from PostgreSQL.
        try (Connection db = TestStack.database(); PreparedStatement query = db.prepareStatement(
                "SELECT risk, sources::text FROM phone_reputation WHERE number_hash = ?")) {
            query.setString(1, TestStack.protection().hash(outvoted));
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).isTrue();
                assertThat(row.getInt(1)).isEqualTo(60);
                assertThat(JSON.readTree(row.getString(2))).isEqualTo(answer.get("sources"));
            }
        }
    }

    private static JsonNode lookUp(String number) {
        HttpResponse<String> response = TestStack.lookUp(number);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
        return TestStack.json(response);
    }
}
