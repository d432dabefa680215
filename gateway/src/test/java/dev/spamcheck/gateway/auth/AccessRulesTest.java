package dev.spamcheck.gateway.auth;

import static org.mockito.Mockito.when;

import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import reactor.core.publisher.Flux;

/**
 * The gateway's access rules on the WebFlux layer alone: the real security chain, firewall,
 * client addresses, bearer tokens and audit filter ({@link GatewaySlice}).
 * For each rule, who gets through, who gets 401 and who gets 403 — including a path no rule
 * names, which only an admin may even learn does not exist.
 */
@GatewaySliceTest(TokenAdminController.class)
class AccessRulesTest {

    private static final String LOOKUP = GatewaySlice.LOOKUP;
    private static final String ADMIN = GatewaySlice.ADMIN;
    private static final String PEER = GatewaySlice.PEER;

    @Autowired
    WebTestClient http;

    @Autowired
    TokenStore tokens;

    @BeforeEach
    void oneTokenListed() {
        when(tokens.all()).thenReturn(Flux.just(new ApiToken("tok_admin", "admin", Role.ADMIN, Instant.EPOCH, null)));
    }

    @ParameterizedTest(name = "{0} {1} with {2} token: {3}")
    @CsvSource({
            // The OpenAPI document: either role.
            "GET, /api/v1/openapi.yaml, lookup, 200",
            "GET, /api/v1/openapi.yaml, admin, 200",
            "GET, /api/v1/openapi.yaml, none, 401",
            "GET, /api/v1/openapi.yaml, unknown, 401",
            // An admin endpoint: the admin role only.
            "GET, /api/v1/admin/tokens, admin, 200",
            "GET, /api/v1/admin/tokens, lookup, 403",
            "GET, /api/v1/admin/tokens, none, 401",
            "GET, /api/v1/admin/tokens, unknown, 401",
            // A path no rule names is an admin path: deny by default.
            "GET, /api/v1/nope, lookup, 403",
            "GET, /api/v1/nope, admin, 404",
            "GET, /api/v1/nope, none, 401",
            "GET, /, lookup, 403"})
    void eachRuleLetsInItsRolesAndNoOneElse(String method, String path, String token, int status) {
        WebTestClient.RequestHeadersSpec<?> request = http.method(org.springframework.http.HttpMethod.valueOf(method))
                .uri(path);
        if (!token.equals("none")) {
            request = request.header("Authorization", "Bearer " + switch (token) {
                case "lookup" -> LOOKUP;
                case "admin" -> ADMIN;
                default -> TokenSecrets.newToken();
            });
        }
        var exchange = request.exchange().expectStatus().isEqualTo(status);
        if (status >= 400) {
            exchange.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(status);
        }
    }

    @Test
    void outsideTheAllowListEvenAnAdminIsRefused() {
        http.get().uri("/api/v1/admin/tokens").header(PEER, "203.0.113.9").header("Authorization", "Bearer " + ADMIN)
                .exchange().expectStatus().isForbidden()
                .expectBody().jsonPath("$.detail").isEqualTo("Requests from this address are not allowed");
    }

    @Test
    void plainHttpFromAnAllowedAddressThatIsNotLoopbackIsRefused() {
        http.get().uri("/api/v1/openapi.yaml").header(PEER, "10.1.2.3").header("Authorization", "Bearer " + LOOKUP)
                .exchange().expectStatus().isForbidden()
                .expectBody().jsonPath("$.detail").isEqualTo("HTTPS is required");
    }

    @Test
    void aTokenInTheQueryStringIsRefusedWithoutAskingTheStore() {
        http.get().uri("/api/v1/openapi.yaml?access_token=" + LOOKUP).exchange().expectStatus().isUnauthorized();
    }

    /**
     * A parameter without a value ({@code ?x}) is null to Spring: neither the firewall nor the
     * token check may trip on it (endpoints that take parameters refuse it, see AuditQueryControllerTest).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"?x, 200", "?=x, 200", "?a=1&a, 200", "?x&access_token, 401"})
    void aQueryParameterWithoutAValueIsAnsweredAsAnyOther(String query, int withToken) {
        http.get().uri(java.net.URI.create("/api/v1/openapi.yaml" + query)).exchange().expectStatus().isUnauthorized();
        http.get().uri(java.net.URI.create("/api/v1/openapi.yaml" + query)).header("Authorization", "Bearer " + LOOKUP)
                .exchange().expectStatus().isEqualTo(withToken);
    }

    /** Granted, unauthenticated, forbidden, not found, and refused by the firewall before any chain. */
    @ParameterizedTest(name = "{0} with {1} token: {2}")
    @CsvSource({
            "/api/v1/openapi.yaml, lookup, 200",
            "/api/v1/openapi.yaml, none, 401",
            "/api/v1/admin/tokens, lookup, 403",
            "/api/v1/nope, admin, 404",
            "/api/v1/./openapi.yaml, lookup, 400"})
    void everyAnswerCarriesTheSecurityHeaders(String path, String token, int status) {
        WebTestClient.RequestHeadersSpec<?> request = http.get().uri(path);
        if (!token.equals("none")) {
            request = request.header("Authorization", "Bearer " + (token.equals("admin") ? ADMIN : LOOKUP));
        }
        request.exchange().expectStatus().isEqualTo(status)
                .expectHeader().valueEquals("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
                .expectHeader().valueEquals("Pragma", "no-cache")
                .expectHeader().valueEquals("Expires", "0")
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                .expectHeader().valueEquals("X-Frame-Options", "DENY")
                .expectHeader().valueEquals("X-XSS-Protection", "0")
                .expectHeader().valueEquals("Referrer-Policy", "no-referrer")
                // Plain HTTP from loopback: HSTS only goes on HTTPS answers.
                .expectHeader().doesNotExist("Strict-Transport-Security");
    }
}
