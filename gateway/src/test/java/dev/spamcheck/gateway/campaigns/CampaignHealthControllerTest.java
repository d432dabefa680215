package dev.spamcheck.gateway.campaigns;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.URI;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import reactor.core.publisher.Mono;

/** A campaign's health, by path or (for ids that do not fit in a path) by query. */
@GatewaySliceTest(CampaignHealthController.class)
class CampaignHealthControllerTest {

    private static final CampaignHealthController.Health HEALTH = new CampaignHealthController.Health("spring/push",
            120, 4, 1, 3, Instant.parse("2026-12-03T10:00:00Z"));

    @Autowired
    WebTestClient http;

    @MockitoBean
    CampaignHealthStore store;

    @Test
    void anIdWithASlashIsReadByQueryAndEncodedInThePath() {
        when(store.find("spring/push")).thenReturn(Mono.just(HEALTH));

        get("/api/v1/admin/campaigns/health?campaign_id=spring%2Fpush").expectStatus().isOk().expectBody()
                .jsonPath("$.campaign_id").isEqualTo("spring/push")
                .jsonPath("$.numbers_checked").isEqualTo(120)
                .jsonPath("$.currently_flagged").isEqualTo(4);
    }

    @Test
    void aCampaignNoLookupNamedIs404() {
        when(store.find(any())).thenReturn(Mono.empty());
        problem(get("/api/v1/admin/campaigns/unheard-of/health"), 404, "not_found");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/v1/admin/campaigns/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx/health",
            "/api/v1/admin/campaigns/health?campaign_id=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void anIdLongerThanALookupTakesIs400WithoutAQuery(String path) {
        problem(get(path), 400, "invalid_request");
        verify(store, never()).find(any());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/v1/admin/campaigns/health", "/api/v1/admin/campaigns/health?campaign_id=",
            "/api/v1/admin/campaigns/health?campaign_id=a&campaign_id=b", "/api/v1/admin/campaigns/c1/health?x=1"})
    void aQueryWithoutExactlyOneIdIs400(String path) {
        problem(get(path), 400, "invalid_request");
        verify(store, never()).find(any());
    }

    private WebTestClient.ResponseSpec get(String path) {
        return http.get().uri(URI.create(path)).header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
    }
}
