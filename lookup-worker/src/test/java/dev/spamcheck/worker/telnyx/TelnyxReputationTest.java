package dev.spamcheck.worker.telnyx;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import com.github.tomakehurst.wiremock.WireMockServer;

import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.SourceVerdict.Verdict;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;

/** Telnyx Number Reputation through the real HTTP client against a stand-in (WireMock), in its documented shapes. */
class TelnyxReputationTest {

    private static final String NUMBER = "+12025551234";
    private static final String PATH = "/v2/reputation/numbers/%2B12025551234";
    private static WireMockServer telnyx;
    private TelnyxReputation reputation;

    @BeforeAll
    static void startTelnyx() {
        telnyx = new WireMockServer(options().dynamicPort());
        telnyx.start();
    }

    @AfterAll
    static void stopTelnyx() {
        telnyx.stop();
    }

    @BeforeEach
    void fresh() {
        telnyx.resetAll();
        reputation = new TelnyxReputation(settings(Map.of("spamcheck.providers.telnyx.api-key", "KEY123",
                "spamcheck.providers.telnyx.base-url", telnyx.baseUrl())));
    }

    @Test
    void aHighSpamRiskFlagsTheNumberAskedWithTheApiKey() {
        answer(200, body("\"high\"", "\"Telemarketer\""));

        assertThat(reputation.ask(NUMBER, Duration.ofSeconds(2))).isEqualTo(new ProviderAnswer.Answered(List.of(
                new SourceVerdict("telnyx_number_reputation", Verdict.FLAGGED, null, List.of("Telemarketer"),
                        "successful"))));
        telnyx.verify(getRequestedFor(urlPathEqualTo(PATH)).withHeader("Authorization", equalTo("Bearer KEY123")));
    }

    @Test
    void lowAndMediumRisksAreClean() {
        answer(200, body("\"low\"", "null"));
        assertThat(verdict().verdict()).isEqualTo(Verdict.CLEAN);

        answer(200, body("\"medium\"", "null"));
        SourceVerdict medium = verdict();
        assertThat(medium.verdict()).isEqualTo(Verdict.CLEAN);
        assertThat(medium.reasons()).containsExactly("medium_risk");
    }

    @Test
    void noReputationDataYetIsNoVerdict() {
        answer(200, "{\"data\": {\"phone_number\": \"+12025551234\", \"reputation_data\": null}}");
        assertThat(verdict().decided()).isFalse();

        answer(200, body("null", "null"));
        assertThat(verdict().reasons()).containsExactly("no_data");

        answer(200, body("\"very high\"", "null"));
        assertThat(verdict().status()).isEqualTo("malformed_result");
    }

    @Test
    void aNumberNotRegisteredWithTelnyxIsNotFoundAndFailuresAreNotRetried() {
        answer(404, "{\"errors\": [{\"code\": \"10005\", \"title\": \"Resource not found\"}]}");
        assertThat(reputation.ask(NUMBER, Duration.ofSeconds(2))).isInstanceOf(ProviderAnswer.NotFound.class);

        answer(401, "{\"errors\": []}");
        assertThat(reputation.ask(NUMBER, Duration.ofSeconds(2))).isEqualTo(Unavailable.permanent("telnyx_auth_failed"));
        answer(503, "");
        assertThat(reputation.ask(NUMBER, Duration.ofSeconds(2))).isEqualTo(Unavailable.permanent("telnyx_http_503"));
        telnyx.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(1500)));
        assertThat(reputation.ask(NUMBER, Duration.ofMillis(300))).isEqualTo(Unavailable.permanent("telnyx_timeout"));
    }

    @Test
    void refusesToStartWithoutAKeyOrOverPlainHttpToAnotherMachine() {
        assertThatThrownBy(() -> new TelnyxReputation(settings(Map.of())))
                .isInstanceOf(InvalidConfigurationException.class).hasMessage("TELNYX_API_KEY is not set");
        assertThatThrownBy(() -> new TelnyxReputation(settings(Map.of("spamcheck.providers.telnyx.api-key", "K",
                "spamcheck.providers.telnyx.base-url", "http://api.telnyx.com"))))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageStartingWith("TELNYX_BASE_URL must be");
    }

    private SourceVerdict verdict() {
        return ((ProviderAnswer.Answered) reputation.ask(NUMBER, Duration.ofSeconds(2))).sources().get(0);
    }

    private static WorkerProperties.Telnyx settings(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck", WorkerProperties.class)
                .providers().telnyx();
    }

    private static String body(String risk, String category) {
        return """
                {"data": {"id": "16286ab3-038a-4a5c-9792-309026cf6b9e", "phone_number": "+12025551234",
                  "reputation_data": {"spam_risk": %s, "spam_category": %s, "maturity_score": 82,
                    "connection_score": 75, "engagement_score": 68, "sentiment_score": 90,
                    "last_refreshed_at": "2026-03-24T12:00:00Z"}}}""".formatted(risk, category);
    }

    private static void answer(int status, String body) {
        telnyx.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }
}
