package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;

class SpamScoreRequestTest {

    @Test
    void readsNumberCampaignAndMaxStale() {
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"campaign_id\": \"c-1\"}"))
                .isEqualTo(new SpamScoreRequest("+12125550123", "c-1", null));
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"campaign_id\": null}"))
                .isEqualTo(new SpamScoreRequest("+12125550123", null, null));
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"max_stale\": \"P2DT12H\"}"))
                .isEqualTo(new SpamScoreRequest("+12125550123", null, Duration.ofHours(60)));
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"max_stale\": \"PT0S\"}")
                .maxStale()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "null", "[]", "\"+12125550123\"", "{", "{\"phone_number\": 12125550123}",
            "{\"phone_number\": [\"+12125550123\"]}", "{\"phone_number\": true}", "{}", "{\"phone_number\": null}",
            "{\"phone_number\": \"+12125550123\", \"extra\": 1}",
            "{\"phone_number\": \"+12125550123\", \"campaign_id\": 7}",
            "{\"phone_number\": \"+12125550123\", \"campaign_id\": \"  \"}",
            "{\"phone_number\": \"+12125550123\", \"campaign_id\": \"+12125550123\"}",
            "{\"phone_number\": \"+12125550123\", \"campaign_id\": \"(212) 555-0123\"}",
            "{\"phone_number\": \"+12125550123\", \"phone_number\": \"+12125550124\"}",
            "{\"phone_number\": \"+12125550123\", \"max_stale\": \"12h\"}",
            "{\"phone_number\": \"+12125550123\", \"max_stale\": \"-P1D\"}",
            "{\"phone_number\": \"+12125550123\", \"max_stale\": \"PT99999999999999999999H\"}",
            "{\"phone_number\": \"+12125550123\", \"max_stale\": true}"})
    void rejectsMalformedBodiesAsInvalidRequest(String body) {
        assertThatThrownBy(() -> SpamScoreRequest.parse(body))
                .isInstanceOfSatisfying(ApiException.class,
                        ex -> assertThat(ex.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .message().doesNotContain("2125550123");
    }

    @Test
    void anEmptyCampaignIdIsNoCampaignAsFormToolsSendAnUnsetField() {
        assertThat(SpamScoreRequest.parse("{\"phone_number\": \"+12125550123\", \"campaign_id\": \"\"}").campaignId())
                .isNull();
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
        assertThat(new SpamScoreRequest("+12125550123", "c", Duration.ZERO).toString()).doesNotContain("2125550123");
    }
}
