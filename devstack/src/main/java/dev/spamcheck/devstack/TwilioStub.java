package dev.spamcheck.devstack;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.common.Notifier;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A stand-in for Twilio Lookup v1 with the Nomorobo add-on, answering by the number's last four
 * digits (see {@link TwilioStubBehaviour} and docs/testing.md). Its request journal, kept in memory
 * only, lets tests count the calls made for a number.
 */
public final class TwilioStub implements AutoCloseable {

    public static final String ACCOUNT_SID = "ACdevstack00000000000000000000000";
    public static final String AUTH_TOKEN = "devstack-auth-token";
    /** The {@code Authorization} header a worker sends with these credentials, and the stub expects. */
    public static final String AUTHORIZATION = "Basic " + Base64.getEncoder().encodeToString(
            (ACCOUNT_SID + ":" + AUTH_TOKEN).getBytes(StandardCharsets.UTF_8));

    private final int port;
    // Replaced when the stub stops refusing connections.
    private volatile WireMockServer server;
    private final TwilioStubBehaviour behaviour;

    private TwilioStub(WireMockServer server, TwilioStubBehaviour behaviour) {
        this.server = server;
        this.behaviour = behaviour;
        this.port = server.port();
    }

    static TwilioStub start(Duration latency) {
        return start(latency, 0);
    }

    /** @param port the port to listen on, on loopback; 0 for any free one */
    static TwilioStub start(Duration latency, int port) {
        TwilioStubBehaviour behaviour = new TwilioStubBehaviour(AUTHORIZATION, latency);
        return new TwilioStub(serve(behaviour, port), behaviour);
    }

    private static WireMockServer serve(TwilioStubBehaviour behaviour, int port) {
        WireMockServer server = new WireMockServer(WireMockConfiguration.options()
                .bindAddress("127.0.0.1")
                .port(port)
                .containerThreads(64)
                .maxRequestJournalEntries(100_000)
                // The stub plays Twilio: it writes nothing about the numbers it sees.
                .notifier(new SilentNotifier())
                .extensions(behaviour));
        server.start();
        server.stubFor(WireMock.get(WireMock.urlPathMatching("/v1/PhoneNumbers/.+"))
                .willReturn(WireMock.aResponse().withStatus(200)));
        return server;
    }

    /** Twilio unreachable: nothing listens on the stub's port until {@link #acceptConnections()}. */
    public synchronized void refuseConnections() {
        server.stop();
    }

    /** Back on the same port. The journal starts afresh: calls counted before are forgotten. */
    public synchronized void acceptConnections() {
        if (!server.isRunning()) {
            server = serve(behaviour, port);
        }
    }

    /** While on, every lookup is answered HTTP 429, code 20429, whatever the number. */
    public void rateLimitEverything(boolean on) {
        behaviour.rateLimitEverything(on);
    }

    /** The value for {@code TWILIO_LOOKUP_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Lookups received for the number (E.164), whatever their answer. */
    public long callsFor(String e164) {
        return server.getAllServeEvents().stream().filter(event -> e164.equals(numberOf(event))).count();
    }

    /** Every number (E.164) looked up so far, in one pass over the journal. */
    public java.util.Set<String> calledNumbers() {
        return server.getAllServeEvents().stream().map(TwilioStub::numberOf).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toSet());
    }

    /** How long ordinary numbers take from now on. */
    public void latency(Duration latency) {
        behaviour.latency(latency);
    }

    /** When each lookup for any number arrived, oldest first. */
    public java.util.List<java.time.Instant> callTimes() {
        return server.getAllServeEvents().stream().map(event -> event.getRequest().getLoggedDate().toInstant())
                .sorted().toList();
    }

    /** When each lookup for the number arrived, oldest first. */
    public java.util.List<java.time.Instant> callTimesFor(String e164) {
        return server.getAllServeEvents().stream().filter(event -> e164.equals(numberOf(event)))
                .map(event -> event.getRequest().getLoggedDate().toInstant()).sorted().toList();
    }

    /** Lookups received in all. */
    public long totalCalls() {
        return server.getAllServeEvents().size();
    }

    @Override
    public void close() {
        server.stop();
    }

    static String numberOf(ServeEvent event) {
        String path = event.getRequest().getUrl();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        String prefix = "/v1/PhoneNumbers/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        return URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
    }

    static final class SilentNotifier implements Notifier {
        @Override
        public void info(String message) {
        }

        @Override
        public void error(String message) {
        }

        @Override
        public void error(String message, Throwable t) {
        }
    }
}
