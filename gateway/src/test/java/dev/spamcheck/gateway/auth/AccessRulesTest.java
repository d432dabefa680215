package dev.spamcheck.gateway.auth;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebFilter;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The gateway's access rules on the WebFlux layer alone: the real security chain, firewall,
 * client addresses, bearer tokens and audit filter, with the token store and Kafka stood in for.
 * For each rule, who gets through, who gets 401 and who gets 403 — including a path no rule
 * names, which only an admin may even learn does not exist.
 */
@WebFluxTest(controllers = TokenAdminController.class, properties = {
        "spamcheck.allowed-cidrs=127.0.0.0/8,10.0.0.0/8",
        "spamcheck.hash-key=" + AccessRulesTest.KEY,
        "spamcheck.encryption-keys=k1:" + AccessRulesTest.KEY})
@Import(AccessRulesTest.Perimeter.class)
class AccessRulesTest {

    static final String KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String LOOKUP = TokenSecrets.newToken();
    private static final String ADMIN = TokenSecrets.newToken();
    /** The test's stand-in for the peer address a real connection has: loopback unless it says. */
    private static final String PEER = "X-Test-Peer";

    @TestConfiguration(proxyBeanMethods = false)
    @ComponentScan(basePackages = {"dev.spamcheck.gateway.perimeter", "dev.spamcheck.gateway.audit",
            "dev.spamcheck.gateway.problem", "dev.spamcheck.gateway.contract"})
    @EnableConfigurationProperties(GatewayProperties.class)
    static class Perimeter {

        @Bean
        BearerTokens bearerTokens(TokenAuthenticationManager manager, GatewayProperties properties) {
            return new BearerTokens(manager, properties);
        }

        @Bean
        TokenAuthenticationManager tokenAuthenticationManager(TokenStore tokens) {
            return new TokenAuthenticationManager(tokens);
        }

        @Bean
        @SuppressWarnings("unchecked")
        TopicSender topicSender() {
            KafkaTemplate<String, Object> kafka = mock(KafkaTemplate.class);
            when(kafka.send(any(String.class), any(), any())).thenReturn(CompletableFuture.completedFuture(null));
            return new TopicSender(kafka);
        }

        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        WebFilter peerAddress() {
            return (exchange, chain) -> {
                String peer = exchange.getRequest().getHeaders().getFirst(PEER);
                InetSocketAddress address = new InetSocketAddress(peer == null ? "127.0.0.1" : peer, 40000);
                return chain.filter(exchange.mutate().request(request -> request.remoteAddress(address)).build());
            };
        }
    }

    @Autowired
    WebTestClient http;

    @MockitoBean
    TokenStore tokens;

    @MockitoBean
    DatabaseClient database;

    @BeforeEach
    void knownTokens() {
        when(tokens.findActive(any())).thenAnswer(invocation -> {
            String hash = HexFormat.of().formatHex((byte[]) invocation.getArgument(0));
            if (hash.equals(HexFormat.of().formatHex(TokenSecrets.sha256(LOOKUP)))) {
                return Mono.just(new ApiToken("tok_lookup", "lookup", Role.LOOKUP, Instant.EPOCH, null));
            }
            if (hash.equals(HexFormat.of().formatHex(TokenSecrets.sha256(ADMIN)))) {
                return Mono.just(new ApiToken("tok_admin", "admin", Role.ADMIN, Instant.EPOCH, null));
            }
            return Mono.empty();
        });
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
}
