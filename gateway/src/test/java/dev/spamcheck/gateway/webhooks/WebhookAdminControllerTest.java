package dev.spamcheck.gateway.webhooks;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.schemas.number.NumberProtection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code /api/v1/admin/webhooks}: subscribing, the URLs and events it accepts, and reading deliveries. */
@GatewaySliceTest(WebhookAdminController.class)
class WebhookAdminControllerTest {

    private static final String ID = "whk_0123456789abcdef";

    @Autowired
    WebTestClient http;

    @Autowired
    NumberProtection protection;

    @MockitoBean
    WebhookStore webhooks;

    @Test
    void aSubscriptionShowsItsSigningSecretOnceAndKeepsItOnlySealed() {
        when(webhooks.create(anyString(), eq("https://hooks.example.com/spam"), eq(List.of("number.flagged")), eq("c1"),
                eq(false), any(), eq("admin:" + GatewaySlice.ADMIN_ID))).thenAnswer(invocation -> Mono.just(new Webhook(
                        invocation.getArgument(0), invocation.getArgument(1), invocation.getArgument(2), "c1", false,
                        Instant.parse("2026-12-04T00:00:00Z"))));

        byte[] body = create("{\"url\":\"https://hooks.example.com/spam\",\"events\":[\"number.flagged\","
                + "\"number.flagged\"],\"campaign_id\":\"c1\"}")
                .expectStatus().isCreated()
                .expectHeader().valueMatches("Location", "/api/v1/admin/webhooks/whk_[0-9a-f]{16}")
                .expectBody().jsonPath("$.events.length()").isEqualTo(1)
                .returnResult().getResponseBody();

        ArgumentCaptor<String> id = ArgumentCaptor.forClass(String.class);
        ArgumentCaptor<String> sealed = ArgumentCaptor.forClass(String.class);
        verify(webhooks).create(id.capture(), anyString(), anyList(), any(), anyBoolean(), sealed.capture(), anyString());
        String secret = new String(body).replaceAll(".*\"secret\":\"(whsec_[A-Za-z0-9_-]{43})\".*", "$1");
        assertThat(secret).startsWith("whsec_").hasSize(49);
        assertThat(sealed.getValue()).doesNotContain(secret);
        assertThat(protection.open(sealed.getValue(), id.getValue())).isEqualTo(secret);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"url\":\"http://hooks.example.com/spam\",\"events\":[\"number.flagged\"]}",
            "{\"url\":\"https://user:pw@hooks.example.com/\",\"events\":[\"number.flagged\"]}",
            "{\"url\":\"https://hooks.example.com/#x\",\"events\":[\"number.flagged\"]}",
            "{\"url\":\"/relative\",\"events\":[\"number.flagged\"]}",
            "{\"url\":\"https://hooks.example.com/\"}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":[]}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":[\"number.deleted\"]}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":\"number.flagged\"}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":[\"number.flagged\"],\"campaign_id\":\"\"}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":[\"number.flagged\"],\"include_phone_number\":\"yes\"}",
            "{\"url\":\"https://hooks.example.com/\",\"events\":[\"number.flagged\"],\"secret\":\"mine\"}"})
    void aSubscriptionThatCouldNotBeDeliveredAsAskedIsRefused(String body) {
        problem(create(body), 400, "invalid_request");
        verify(webhooks, never()).create(any(), any(), any(), any(), anyBoolean(), any(), any());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"whk_1", "WHK_0123456789ABCDEF", "whk_0123456789abcdef0", "whk_0123456789abcdef.json"})
    void anIdThatCannotNameASubscriptionIs404WithoutAQuery(String id) {
        problem(get("/api/v1/admin/webhooks/" + id), 404, "not_found");
        verify(webhooks, never()).find(any());
    }

    @Test
    void deliveriesAreFilteredByStatusAndPaged() {
        when(webhooks.findKept(ID)).thenReturn(Mono.just(new Webhook(ID, "https://hooks.example.com/", List.of(), null,
                false, Instant.EPOCH)));
        when(webhooks.deliveries(ID, "dead", 10)).thenReturn(Flux.empty());

        get("/api/v1/admin/webhooks/" + ID + "/deliveries?status=dead&limit=10").expectStatus().isOk()
                .expectBody().json("{\"deliveries\":[]}");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"status=failed", "limit=201", "limit=-1", "page=2"})
    void aDeliveriesFilterThatCannotMatchIs400(String query) {
        problem(get("/api/v1/admin/webhooks/" + ID + "/deliveries?" + query), 400, "invalid_request");
        verify(webhooks, never()).deliveries(any(), any(), anyInt());
    }

    private WebTestClient.ResponseSpec create(String body) {
        return http.post().uri("/api/v1/admin/webhooks").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec get(String path) {
        return http.get().uri(URI.create(path)).header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
    }
}
