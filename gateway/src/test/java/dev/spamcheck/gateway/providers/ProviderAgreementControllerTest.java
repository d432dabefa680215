package dev.spamcheck.gateway.providers;

import static org.mockito.Mockito.when;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import reactor.core.publisher.Flux;

/** How the shadow providers agreed, for admins only. */
@GatewaySliceTest(ProviderAgreementController.class)
class ProviderAgreementControllerTest {

    @Autowired
    WebTestClient http;

    @MockitoBean
    ProviderAgreements agreements;

    @Test
    void eachProviderHasItsTotalsItsAgreementAndItsDays() {
        when(agreements.lastDays(30)).thenReturn(Flux.just(
                new ProviderAgreements.Day("telnyx", LocalDate.parse("2026-12-04"), 45, 5, 10),
                new ProviderAgreements.Day("telnyx", LocalDate.parse("2026-12-03"), 45, 5, 0)));

        get(GatewaySlice.ADMIN).expectStatus().isOk().expectBody().json("""
                {"providers": [{"provider": "telnyx", "mode": "shadow", "agreed": 90, "disagreed": 10,
                  "undecided": 10, "agreement": 0.9, "days": [
                    {"day": "2026-12-04", "agreed": 45, "disagreed": 5, "undecided": 10},
                    {"day": "2026-12-03", "agreed": 45, "disagreed": 5, "undecided": 0}]}]}""", true);
    }

    @Test
    void beforeAnyVerdictThereIsNoAgreementAndWithoutShadowNoProvider() {
        when(agreements.lastDays(30)).thenReturn(Flux.just(
                new ProviderAgreements.Day("telnyx", LocalDate.parse("2026-12-04"), 0, 0, 3)));
        get(GatewaySlice.ADMIN).expectStatus().isOk().expectBody().jsonPath("$.providers[0].agreement").doesNotExist();

        when(agreements.lastDays(30)).thenReturn(Flux.empty());
        get(GatewaySlice.ADMIN).expectStatus().isOk().expectBody().json("{\"providers\": []}", true);
    }

    @Test
    void aLookupTokenIsRefused() {
        get(GatewaySlice.LOOKUP).expectStatus().isForbidden();
    }

    private WebTestClient.ResponseSpec get(String token) {
        return http.get().uri("/api/v1/admin/providers").header("Authorization", "Bearer " + token).exchange();
    }
}
