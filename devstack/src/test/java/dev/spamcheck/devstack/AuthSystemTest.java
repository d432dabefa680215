package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.gateway.auth.TokenSecrets;

/**
 * The access-control matrix through real HTTP: tokens, roles, the IP allow-list, forwarding
 * headers and the HTTPS requirement. Every rejection is a problem with the documented status and
 * code, and lands in {@code audit_log}.
 */
class AuthSystemTest {

    private static final String SPAM_SCORE = "/api/v1/spam_score";

    /** Lets in only 10.0.0.0/8, and trusts no proxy: loopback callers are outside. */
    private static ConfigurableApplicationContext outsideOnly;
    /** Lets in only 10.0.0.0/8, with 127.0.0.1 as a trusted proxy. */
    private static ConfigurableApplicationContext behindProxy;
    /** The same behind a proxy that writes RFC 7239 Forwarded. */
    private static ConfigurableApplicationContext behindForwardedProxy;
    /** Allows three failed authentications per address and minute. */
    private static ConfigurableApplicationContext guarded;

    @BeforeAll
    static void startGateways() {
        outsideOnly = TestStack.get().startGateway(0, 0, Map.of("spamcheck.allowed-cidrs", "10.0.0.0/8"));
        behindProxy = TestStack.get().startGateway(0, 0, Map.of("spamcheck.allowed-cidrs", "10.0.0.0/8,2001:db8::/32",
                "spamcheck.trusted-proxies", "127.0.0.1/32"));
        behindForwardedProxy = TestStack.get().startGateway(0, 0, Map.of("spamcheck.allowed-cidrs",
                "10.0.0.0/8,2001:db8::/32", "spamcheck.trusted-proxies", "127.0.0.1/32",
                "spamcheck.forwarded-headers", "forwarded"));
        guarded = TestStack.get().startGateway(0, 0, Map.of("spamcheck.gateway.failed-authentications", "3"));
    }

    @AfterAll
    static void stopGateways() {
        outsideOnly.close();
        behindProxy.close();
        behindForwardedProxy.close();
        guarded.close();
    }

    @Test
    void theManagementPortServesHealthAndMetricsAndNothingElse() {
        int management = Integer.parseInt(guarded.getEnvironment().getProperty("local.management.port"));
        List<String> json = List.of("Content-Type: application/json");

        assertThat(RawHttp.send(management, "GET", "/actuator/health/readiness", List.of(), null).status())
                .isEqualTo(200);
        assertThat(RawHttp.send(management, "GET", "/actuator/prometheus", List.of(), null).status()).isEqualTo(200);
        // Its server would route the API's functional routes too: refused before any of them runs.
        RawHttp.Response lookup = RawHttp.send(management, "POST", SPAM_SCORE, json,
                "{\"phone_number\": \"" + TestStack.uniqueNumber("0042") + "\"}");
        assertThat(lookup.status()).isEqualTo(404);
        assertThat(lookup.body()).isEmpty();
        assertThat(RawHttp.send(management, "GET", "/api/v1/openapi.yaml", List.of(), null).status()).isEqualTo(404);
        assertThat(RawHttp.send(management, "GET", "/", List.of(), null).status()).isEqualTo(404);
    }

    @Test
    void noTokenIs401WithAChallenge() {
        HttpResponse<String> response = lookUp(TestStack.get().baseUrl(), null, Map.of());
        assertRejected(response, 401, "unauthorized", null);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    }

    @Test
    void malformedAuthorizationHeadersAre401() {
        for (String header : new String[] {"Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token " + TestStack.get().lookupToken()}) {
            HttpResponse<String> response = lookUp(TestStack.get().baseUrl(), null, Map.of("Authorization", header));
            assertRejected(response, 401, "unauthorized", null);
        }
    }

    @Test
    void anUnknownTokenIs401() {
        assertRejected(lookUp(TestStack.get().baseUrl(), "sct_not-a-real-token-at-all-000000000000000000", Map.of()),
                401, "unauthorized", null);
    }

    @Test
    void aRevokedTokenStopsWorkingOnEveryGatewayWithinASecond() {
        var created = AdminApi.createToken("soon revoked", "lookup");
        String token = created.get("token").asString();
        ConfigurableApplicationContext another = TestStack.get().startGateway(0, 0);
        try {
            for (String gateway : List.of(TestStack.get().baseUrl(), DevStack.baseUrl(another))) {
                assertThat(lookUp(gateway, token, Map.of()).statusCode()).isEqualTo(200);
            }

            AdminApi.revoke(created.get("id").asString());
            Instant revoked = Instant.now();

            // Both at once: waiting for one before asking the other would charge it the first's time.
            List<CompletableFuture<Attempt>> refusals = List.of(TestStack.get().baseUrl(), DevStack.baseUrl(another))
                    .stream().map(gateway -> CompletableFuture.supplyAsync(() -> await().atMost(Duration.ofSeconds(5))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> Attempt.of(gateway, token), attempt -> attempt.response().statusCode() != 200)))
                    .toList();
            for (CompletableFuture<Attempt> refusal : refusals) {
                Attempt refused = refusal.join();
                assertRejected(refused.response(), 401, "unauthorized", null);
                // Judged by when the first refused request was sent: on a loaded machine the
                // answer itself can take a few hundred milliseconds, which is not the cache's.
                assertThat(Duration.between(revoked, refused.sent())).isLessThan(Duration.ofMillis(1500));
            }
        }
        finally {
            another.close();
        }
    }

    private record Attempt(Instant sent, HttpResponse<String> response) {

        static Attempt of(String gateway, String token) {
            Instant sent = Instant.now();
            return new Attempt(sent, lookUp(gateway, token, Map.of()));
        }
    }

    @Test
    void aTokenInTheQueryStringIsRefusedEvenWithAValidHeader() {
        String token = TestStack.get().lookupToken();
        HttpResponse<String> response = TestStack.send(HttpRequest.newBuilder(
                URI.create(TestStack.get().baseUrl() + SPAM_SCORE + "?access_token=" + token))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"+12125550123\"}")));
        assertRejected(response, 401, "unauthorized", null);
    }

    @Test
    void aLookupTokenCannotUseAdminEndpoints() {
        HttpResponse<String> response = TestStack.send(TestStack.request("/api/v1/admin/tokens",
                TestStack.get().lookupToken()).GET());
        assertRejected(response, 403, "forbidden", null);
        assertThat(AuditLog.awaitRow(requestId(response)).get("token_id")).isNotNull();
    }

    @Test
    void aClientOutsideTheAllowListIs403() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(outsideOnly), TestStack.get().lookupToken(), Map.of());
        assertRejected(response, 403, "forbidden", "127.0.0.1");
    }

    @Test
    void aSpoofedForwardedForFromAnUntrustedPeerIsIgnored() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(outsideOnly), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "10.1.2.3", "X-Forwarded-Proto", "https"));
        assertRejected(response, 403, "forbidden", "127.0.0.1");
    }

    @Test
    void aTrustedProxyRelaysAnAllowedClient() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "10.1.2.3", "X-Forwarded-Proto", "https"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Strict-Transport-Security")).isPresent();
        Map<String, Object> audit = AuditLog.awaitRow(requestId(response));
        assertThat(audit.get("client_ip")).isEqualTo("10.1.2.3");
        assertThat(((Number) audit.get("http_status")).intValue()).isEqualTo(200);
    }

    @Test
    void theRightMostUntrustedHopIsTheClient() {
        // The left part of X-Forwarded-For is whatever the client wrote: it cannot let anyone in.
        HttpResponse<String> spoofed = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "10.1.2.3, 192.0.2.7", "X-Forwarded-Proto", "https"));
        assertRejected(spoofed, 403, "forbidden", "192.0.2.7");

        HttpResponse<String> relayed = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "192.0.2.7, 10.1.2.3", "X-Forwarded-Proto", "https"));
        assertThat(relayed.statusCode()).isEqualTo(200);
    }

    @Test
    void aRequestTheFirewallRefusesThroughAProxyOverHttpsStillCarriesHsts() {
        URI doubleSlash = URI.create(DevStack.baseUrl(behindProxy) + "/api/v1//spam_score");
        HttpRequest.Builder request = HttpRequest.newBuilder(doubleSlash)
                .header("Content-Type", "application/json").header("X-Forwarded-For", "10.1.2.3")
                .header("X-Forwarded-Proto", "https")
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        HttpResponse<String> response = TestStack.send(request);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Strict-Transport-Security")).isPresent();
    }

    @Test
    void theForwardedHeaderWorksBehindProxiesThatWriteIt() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(behindForwardedProxy), TestStack.get().lookupToken(),
                Map.of("Forwarded", "for=\"[2001:db8::17]:4711\";proto=https"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Strict-Transport-Security")).isPresent();
        assertThat(AuditLog.awaitRow(requestId(response)).get("client_ip")).isEqualTo("2001:db8::17");
    }

    @Test
    void headersOfTheFamilyTheProxiesDoNotWriteAreIgnored() {
        // The proxy writes Forwarded; an X-Forwarded-For the client wrote passes it untouched.
        HttpResponse<String> spoofed = lookUp(DevStack.baseUrl(behindForwardedProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "10.1.2.3", "X-Forwarded-Proto", "https",
                        "Forwarded", "for=192.0.2.7;proto=https"));
        assertRejected(spoofed, 403, "forbidden", "192.0.2.7");
        // And the other way round: a Forwarded the client wrote means nothing behind an X-Forwarded-For proxy.
        HttpResponse<String> ignored = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("Forwarded", "for=10.1.2.3;proto=https", "X-Forwarded-For", "192.0.2.7", "X-Forwarded-Proto", "https"));
        assertRejected(ignored, 403, "forbidden", "192.0.2.7");
    }

    @Test
    void theSchemeTheProxyWroteWinsOverTheOneTheClientWrote() {
        // The client claims https in a line of its own; the proxy appends the scheme it saw: http.
        HttpResponse<String> response = TestStack.send(HttpRequest.newBuilder(
                        URI.create(DevStack.baseUrl(behindProxy) + SPAM_SCORE))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", "10.1.2.3")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Proto", "http")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\"}")));
        assertRejected(response, 403, "forbidden", "10.1.2.3");
        assertThat(json(response).get("detail").asString()).contains("HTTPS");
    }

    @Test
    void repeatedFailedAuthenticationsFromOneAddressAreSlowedBeforeAnyDatabaseWork() {
        String base = DevStack.baseUrl(guarded);
        for (int i = 0; i < 3; i++) {
            assertRejected(lookUp(base, TokenSecrets.newToken(), Map.of()), 401, "unauthorized", null);
        }
        HttpResponse<String> limited = lookUp(base, TestStack.get().lookupToken(), Map.of());
        assertRejected(limited, 429, "too_many_requests", "127.0.0.1");
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        // Requests without a token are not authentications: the address can still be told to send one.
        assertRejected(lookUp(base, null, Map.of()), 401, "unauthorized", null);
    }

    @Test
    void aTrustedProxyRelayingADisallowedClientIs403() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "192.0.2.7", "X-Forwarded-Proto", "https"));
        assertRejected(response, 403, "forbidden", "192.0.2.7");
    }

    @Test
    void plainHttpThroughAProxyIsRefusedWhereTlsIsRequired() {
        HttpResponse<String> response = lookUp(DevStack.baseUrl(behindProxy), TestStack.get().lookupToken(),
                Map.of("X-Forwarded-For", "10.1.2.3"));
        assertRejected(response, 403, "forbidden", "10.1.2.3");
        assertThat(json(response).get("detail").asString()).contains("HTTPS");
    }

    private static HttpResponse<String> lookUp(String baseUrl, String token, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + SPAM_SCORE))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\"}"));
        if (token != null) {
            TestStack.remember(token);
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        return TestStack.send(request);
    }

    private static void assertRejected(HttpResponse<String> response, int status, String code, String clientIp) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(json(response).get("code").asString()).isEqualTo(code);
        Map<String, Object> audit = AuditLog.awaitRow(requestId(response));
        assertThat(((Number) audit.get("http_status")).intValue()).isEqualTo(status);
        assertThat(audit.get("error_code")).isEqualTo(code);
        assertThat(audit.get("outcome")).isEqualTo("rejected");
        if (clientIp != null) {
            assertThat(audit.get("client_ip")).isEqualTo(clientIp);
        }
    }

    static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("X-Request-Id").orElseThrow();
    }
}
