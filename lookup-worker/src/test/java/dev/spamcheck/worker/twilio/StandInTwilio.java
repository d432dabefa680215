package dev.spamcheck.worker.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.github.tomakehurst.wiremock.WireMockServer;

import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiterAccess;
import io.micrometer.core.instrument.MeterRegistry;

/** A WireMock Twilio and the real {@link TwilioLookups} in front of it, for tests of other packages. */
public final class StandInTwilio implements AutoCloseable {

    private final WireMockServer server = new WireMockServer(options().dynamicPort());

    public StandInTwilio() {
        server.start();
    }

    /** Every number scores {@code score}, after {@code delayMillis}. */
    public void answers(int score, int delayMillis) {
        server.resetAll();
        server.stubFor(get(urlPathMatching("/v1/PhoneNumbers/.*")).willReturn(aResponse().withStatus(200)
                .withFixedDelay(delayMillis).withHeader("Content-Type", "application/json").withBody("""
                        {"caller_name": null, "carrier": null, "country_code": "US", "phone_number": "+12125550123",
                         "add_ons": {"status": "successful", "message": null, "code": null,
                                     "results": {"nomorobo_spamscore": {"request_sid": "XR1", "status": "successful",
                                                  "result": {"status": "success", "score": %d}}}}}"""
                        .formatted(score))));
    }

    /** Every call fails with HTTP {@code status}. */
    public void fails(int status) {
        server.resetAll();
        server.stubFor(get(urlPathMatching("/v1/PhoneNumbers/.*")).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"code\": " + twilioCode(status) + ", \"message\": \"error\", \"status\": " + status + "}")));
    }

    /** The error code Twilio sends with the status. */
    private static int twilioCode(int status) {
        return switch (status) {
            case 404 -> 20404;
            case 429 -> 20429;
            default -> 20500;
        };
    }

    public int calls() {
        return server.countRequestsMatching(getRequestedFor(urlPathMatching("/v1/PhoneNumbers/.*")).build())
                .getCount();
    }

    /** The real lookups, with the account rate in {@code database}. */
    public TwilioLookups lookups(DataSource database, MeterRegistry meters) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "spamcheck.twilio.account-sid", "AC0123", "spamcheck.twilio.auth-token", "secret",
                "spamcheck.twilio.base-url", server.baseUrl(), "spamcheck.twilio.rate", "100",
                "spamcheck.twilio.retry-base-delay", "PT0.01S", "spamcheck.twilio.retry-max-delay", "PT0.05S"));
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        return new TwilioLookups(new TwilioLookupClient(properties), AccountRateLimiterAccess.create(
                JdbcClient.create(database), new TransactionTemplate(new DataSourceTransactionManager(database)),
                properties, meters), properties, meters);
    }

    @Override
    public void close() {
        server.stop();
    }
}
