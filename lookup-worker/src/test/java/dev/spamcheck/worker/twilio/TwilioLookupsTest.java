package dev.spamcheck.worker.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiterAccess;
import dev.spamcheck.worker.twilio.TwilioAnswer.NotFound;
import dev.spamcheck.worker.twilio.TwilioAnswer.Scored;
import dev.spamcheck.worker.twilio.TwilioAnswer.Unavailable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One lookup through the real HTTP client against a stand-in Twilio (WireMock), under the real
 * account rate in PostgreSQL: what each kind of answer becomes, which are retried and how often.
 */
class TwilioLookupsTest {

    private static final String NUMBER = "+12125550123";
    // The number as the client sends it: URL-encoded.
    private static final String PATH = "/v1/PhoneNumbers/%2B12125550123";
    private static final DataSource DATABASE = TestDatabase.fresh();
    private static WireMockServer twilio;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TwilioLookups lookups;

    @BeforeAll
    static void startTwilio() {
        twilio = new WireMockServer(options().dynamicPort());
        twilio.start();
    }

    @AfterAll
    static void stopTwilio() {
        twilio.stop();
    }

    @BeforeEach
    void freshLookups() {
        twilio.resetAll();
        Map<String, String> settings = new HashMap<>(Map.of(
                "spamcheck.twilio.account-sid", "AC0123", "spamcheck.twilio.auth-token", "secret",
                "spamcheck.twilio.base-url", twilio.baseUrl(), "spamcheck.twilio.timeout", "PT1S",
                "spamcheck.twilio.rate", "100", "spamcheck.twilio.retry-base-delay", "PT0.01S",
                "spamcheck.twilio.retry-max-delay", "PT0.05S"));
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        jdbc.sql("DELETE FROM twilio_calls").update();
        jdbc.sql("DELETE FROM twilio_daily_calls").update();
        lookups = new TwilioLookups(new TwilioLookupClient(properties), AccountRateLimiterAccess.create(jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(DATABASE)), properties, meters),
                properties, meters);
    }

    @Test
    void aScoredAnswerIsTheAddOnsScore() {
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));

        assertThat(lookUp()).isEqualTo(new Scored(1));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aFailedAddOnIsNoAnswerNotACleanNumber() {
        answer(200, lookup(addOn("failed", "{}")));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("addon_failed"));
    }

    @Test
    void anUnknownNumberIsNotFoundAndNotRetried() {
        answer(404, error(20404));

        assertThat(lookUp()).isInstanceOf(NotFound.class);
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void rateLimitsAreRetriedThreeTimesThenGiveUp() {
        answer(429, error(20429));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_rate_limited"));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aRateLimitThatPassesIsAnsweredOnRetry() {
        twilio.stubFor(get(urlPathEqualTo(PATH)).inScenario("60616").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                        .withBody(error(60616))).willSetStateTo("passed"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).inScenario("60616").whenScenarioStateIs("passed")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))));

        assertThat(lookUp()).isEqualTo(new Scored(0));
        twilio.verify(2, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aServerErrorIsRetriedAndAnAnswerTooSlowTimesOut() {
        answer(500, error(20500));
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_500"));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));

        twilio.resetAll();
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(3000)
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))));
        long started = System.nanoTime();
        assertThat(lookups.lookup(NUMBER, true, Duration.ofMillis(1500), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the budget bounds the wait")
                .isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void aBodyThatIsNotJsonIsAMalformedAnswer() {
        answer(200, "{\"caller_name\": null, \"add_ons\": <html>");

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));
    }

    private TwilioAnswer lookUp() {
        return lookups.lookup(NUMBER, true, Duration.ofSeconds(4), CallGuard.NONE);
    }

    private static void answer(int status, String body) {
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static String addOn(String status, String result) {
        return """
                {"request_sid": "XR1", "status": "%s", "message": null, "code": null, "result": %s}"""
                .formatted(status, result);
    }

    private static String lookup(String addOn) {
        return """
                {"caller_name": null, "carrier": null, "country_code": "US", "national_format": "(212) 555-0123",
                 "phone_number": "%s",
                 "add_ons": {"status": "successful", "message": null, "code": null,
                             "results": {"nomorobo_spamscore": %s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/%s?AddOns=nomorobo_spamscore"}"""
                .formatted(NUMBER, addOn, NUMBER);
    }

    private static String error(int code) {
        return "{\"code\": " + code + ", \"message\": \"error\", \"status\": 0}";
    }
}
