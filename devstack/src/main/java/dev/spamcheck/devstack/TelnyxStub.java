package dev.spamcheck.devstack;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A stand-in for Telnyx Number Reputation ({@code GET /v2/reputation/numbers/{e164}}), the
 * devstack's shadow provider, answering by the number's last four digits:
 *
 * <pre>
 * 0001-0099  spam_risk high, category Telemarketer (agrees with the Twilio stub's flag)
 * 7201       spam_risk high, category Debt Collector, where the Twilio stub says clean (disagrees)
 * 7202       HTTP 404: not a number registered with Telnyx (undecided)
 * 7203       reputation_data null: no data yet (undecided)
 * otherwise  spam_risk low
 * </pre>
 *
 * A wrong API key gets HTTP 401. Like the Twilio stub it keeps its journal in memory and writes no
 * number anywhere.
 */
public final class TelnyxStub implements AutoCloseable {

    public static final String API_KEY = "KEYdevstack0000000000000000";

    private final WireMockServer server;

    private TelnyxStub(WireMockServer server) {
        this.server = server;
    }

    static TelnyxStub start() {
        WireMockServer server = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").port(0)
                .maxRequestJournalEntries(100_000).notifier(new TwilioStub.SilentNotifier())
                .extensions(new Behaviour()));
        server.start();
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/v2/reputation/numbers/.+"))
                .willReturn(WireMock.aResponse().withStatus(200)));
        return new TelnyxStub(server);
    }

    /** The value for {@code TELNYX_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** How many times the number (E.164) was asked about. */
    public long callsFor(String e164) {
        return server.getAllServeEvents().stream().filter(event -> e164.equals(numberOf(event))).count();
    }

    @Override
    public void close() {
        server.stop();
    }

    private static String numberOf(ServeEvent event) {
        String path = event.getRequest().getUrl();
        String prefix = "/v2/reputation/numbers/";
        return path.startsWith(prefix)
                ? URLDecoder.decode(path.substring(prefix.length()).split("\\?")[0], StandardCharsets.UTF_8) : null;
    }

    private static final class Behaviour implements ResponseDefinitionTransformerV2 {

        @Override
        public String getName() {
            return "telnyx-number-reputation";
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            if (!("Bearer " + API_KEY).equals(event.getRequest().getHeader("Authorization"))) {
                return json(401, "{\"errors\": [{\"code\": \"10009\", \"title\": \"Authentication failed\"}]}");
            }
            String number = numberOf(event);
            if (number == null || number.length() < 5) {
                return json(404, "{\"errors\": [{\"code\": \"10005\", \"title\": \"Resource not found\"}]}");
            }
            String lastFour = number.substring(number.length() - 4);
            int value = Integer.parseInt(lastFour.replaceAll("\\D", "0"));
            return switch (lastFour) {
                case "7201" -> reputation(number, "\"high\"", "\"Debt Collector\"");
                case "7202" -> json(404, "{\"errors\": [{\"code\": \"10005\", \"title\": \"Resource not found\"}]}");
                case "7203" -> json(200, "{\"data\": {\"phone_number\": \"%s\", \"reputation_data\": null}}"
                        .formatted(number));
                default -> value >= 1 && value <= 99 ? reputation(number, "\"high\"", "\"Telemarketer\"")
                        : reputation(number, "\"low\"", "null");
            };
        }

        private static ResponseDefinition reputation(String number, String risk, String category) {
            return json(200, """
                    {"data": {"phone_number": "%s", "reputation_data": {"spam_risk": %s, "spam_category": %s,
                      "maturity_score": 80, "connection_score": 70, "engagement_score": 65, "sentiment_score": 85,
                      "last_refreshed_at": "2026-12-01T12:00:00Z"}}}""".formatted(number, risk, category));
        }

        private static ResponseDefinition json(int status, String body) {
            return new ResponseDefinitionBuilder().withStatus(status).withHeader("Content-Type", "application/json")
                    .withBody(body).build();
        }
    }
}
