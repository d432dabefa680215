package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;

class SpamScoreRequestTest {

    @Test
    void readsNumberAndCampaign() {
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"campaign_id\": \"c-1\"}"))
                .isEqualTo(new SpamScoreRequest("+12125550123", "c-1"));
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"campaign_id\": null}"))
                .isEqualTo(new SpamScoreRequest("+12125550123", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "null", "[]", "\"+12125550123\"", "{", "{\"phone_number\": 12125550123}",
            "{\"phone_number\": [\"+12125550123\"]}", "{\"phone_number\": true}", "{}", "{\"phone_number\": null}",
            "{\"phone_number\": \"+12125550123\", \"extra\": 1}",
            "{\"phone_number\": \"+12125550123\", \"campaign_id\": 7}",
            "{\"phone_number\": \"+12125550123\", \"phone_number\": \"+12125550124\"}"})
    void rejectsMalformedBodiesAsInvalidRequest(String body) {
        assertThatThrownBy(() -> SpamScoreRequest.parse(body))
                .isInstanceOfSatisfying(ApiException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .message().doesNotContain("2125550123");
    }

    @Test
    void campaignIdsAreLimitedTo64Characters() {
        String ok = "c".repeat(64);
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+1\", \"campaign_id\": \"" + ok + "\"}").campaignId())
                .isEqualTo(ok);
        assertThatThrownBy(() -> SpamScoreRequest.parse(
                "{\"phone_number\": \"+1\", \"campaign_id\": \"" + ok + "c\"}")).isInstanceOf(ApiException.class);
    }

    @Test
    void neverPrintsTheNumber() {
        assertThat(new SpamScoreRequest("+12125550123", "c").toString()).doesNotContain("2125550123");
    }
}
