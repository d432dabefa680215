package dev.spamcheck.gateway.auth;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Instant;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice.SentToKafka;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/** {@code /api/v1/admin/tokens}: creating, listing and revoking tokens, and what a bad request gets. */
@GatewaySliceTest(TokenAdminController.class)
class TokenAdminControllerTest {

    @Autowired
    WebTestClient http;

    @Autowired
    TokenStore tokens;

    @Autowired
    SentToKafka kafka;

    @BeforeEach
    void nothingSentYet() {
        kafka.clear();
    }

    @Test
    void aNewTokenIsShownOnceAndOnlyItsHashIsKeptOrAudited() {
        when(tokens.create(eq("HubSpot"), eq(Role.LOOKUP), anyString())).thenAnswer(invocation -> Mono.just(
                new ApiToken("tok_0123456789ab", "HubSpot", Role.LOOKUP, Instant.parse("2026-12-04T00:00:00Z"), null)));

        byte[] body = create("{\"name\":\"HubSpot\",\"role\":\"lookup\"}").expectStatus().isCreated()
                .expectHeader().location("/api/v1/admin/tokens/tok_0123456789ab")
                .expectBody().jsonPath("$.id").isEqualTo("tok_0123456789ab").jsonPath("$.role").isEqualTo("lookup")
                .jsonPath("$.created_at").isEqualTo("2026-12-04T00:00:00Z")
                .returnResult().getResponseBody();

        ArgumentCaptor<String> secret = ArgumentCaptor.forClass(String.class);
        verify(tokens).create(eq("HubSpot"), eq(Role.LOOKUP), secret.capture());
        assertThat(new String(body)).contains("\"token\":\"" + secret.getValue() + "\"");
        assertThat(kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class)).singleElement().satisfies(event -> {
            assertThat(event.toString()).doesNotContain(secret.getValue());
            assertThat(event.target()).as("what was created").isEqualTo("tok_0123456789ab");
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"name\":\"x\"}", "{\"role\":\"lookup\"}", "{\"name\":\"x\",\"role\":\"root\"}",
            "{\"name\":\" \",\"role\":\"lookup\"}", "{\"name\":\"a\\u0007b\",\"role\":\"lookup\"}",
            "{\"name\":\"x\",\"role\":\"lookup\",\"expires\":1}"})
    void aTokenIsMadeOnlyWithANameAndAKnownRole(String body) {
        problem(create(body), 400, "invalid_request");
        verify(tokens, never()).create(any(), any(), any());
    }

    @Test
    void aNameOver100CharactersIsRefused() {
        problem(create("{\"name\":\"" + "n".repeat(101) + "\",\"role\":\"admin\"}"), 400, "invalid_request");
    }

    @Test
    void revokingIs204ThenAnUnknownIdIs404() {
        when(tokens.revoke("tok_0123456789ab")).thenReturn(
                Mono.just(new ApiToken("tok_0123456789ab", "x", Role.LOOKUP, Instant.EPOCH, Instant.now())));
        delete("tok_0123456789ab").expectStatus().isNoContent();
        when(tokens.revoke("tok_0123456789ab")).thenReturn(Mono.empty());
        problem(delete("tok_0123456789ab"), 404, "not_found");
        assertThat(kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class)).extracting(AuditEvent::target)
                .as("what the revocation acted on; the 404 acted on nothing").containsExactly("tok_0123456789ab", null);
        kafka.clear();
        when(tokens.all()).thenReturn(reactor.core.publisher.Flux.empty());
        http.get().uri("/api/v1/admin/tokens").header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange()
                .expectStatus().isOk();
        assertThat(kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class)).singleElement()
                .satisfies(event -> assertThat(event.target()).as("a read acts on nothing").isNull());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"+12125550123", "tok_12125550123", "tok_212555012300"})
    void aNumberInThePathNeverReachesTheAuditTrail(String id) {
        when(tokens.revoke(any())).thenReturn(Mono.empty());
        problem(delete(id), 404, "not_found");
        assertThat(kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class)).singleElement().satisfies(event -> {
            assertThat(event.target()).isNull();
            assertThat(event.path()).isEqualTo("/api/v1/admin/tokens/{id}");
            assertThat(event.toString()).doesNotContain("2125550123");
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tok_", "tok_0123456789AB", "tok_0123456789abc", "tok_0123456789ab.json"})
    void somethingThatCannotBeATokenIdIs404WithoutAskingTheStore(String id) {
        problem(delete(id), 404, "not_found");
        verify(tokens, never()).revoke(any());
    }

    private WebTestClient.ResponseSpec create(String body) {
        return http.post().uri("/api/v1/admin/tokens").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec delete(String id) {
        return http.delete().uri(java.net.URI.create("/api/v1/admin/tokens/" + id))
                .header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
    }
}
