package dev.spamcheck.gateway.lookup;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySlice.SentToKafka;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Flux;

/** {@code POST /api/v1/admin/numbers/history}: one number's checks, asked for by hash, answered by last four. */
@GatewaySliceTest(NumberHistoryController.class)
@Import(ValidNumbers.class)
class NumberHistoryControllerTest {

    @Autowired
    WebTestClient http;

    @Autowired
    NumberProtection protection;

    @Autowired
    SentToKafka kafka;

    @MockitoBean
    NumberChecks checks;

    @Test
    void theChecksOfTheNumberAreFoundByItsHashAndShownWithItsLastFourOnly() {
        kafka.clear();
        when(checks.latest(protection.hash("+12025550123"), 1000)).thenReturn(Flux.just(
                new NumberChecks.Check(Instant.parse("2026-12-03T10:00:00Z"), "scored", 1, 100,
                        List.of(new SourceVerdict("nomorobo_spamscore", SourceVerdict.Verdict.FLAGGED, 100, List.of(),
                                "successful")), "interactive", false),
                new NumberChecks.Check(Instant.parse("2026-10-01T10:00:00Z"), "scored", 0, null, null, "nightly",
                        true)));

        byte[] body = post("{\"phone_number\":\"+12025550123\"}").expectStatus().isOk().expectBody()
                .jsonPath("$.last4").isEqualTo("0123")
                .jsonPath("$.checks.length()").isEqualTo(2)
                .jsonPath("$.checks[0].risk").isEqualTo(100)
                .jsonPath("$.checks[0].sources[0].verdict").isEqualTo("flagged")
                .jsonPath("$.checks[1].archived").isEqualTo(true)
                .jsonPath("$.checks[1].sources").doesNotExist()
                .returnResult().getResponseBody();
        assertThat(new String(body)).doesNotContain("2025550123");
        assertThat(kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class)).singleElement()
                .satisfies(event -> assertThat(event.numberLast4()).isEqualTo("0123"));
    }

    @Test
    void anInvalidNumberIs400WithoutAQuery() {
        problem(post("{\"phone_number\":\"+1202555\"}"), 400, "invalid_phone_number");
        problem(post("{\"phone_number\":\"+12025550123\",\"limit\":5}"), 400, "invalid_request");
        verify(checks, never()).latest(any(), anyInt());
    }

    private WebTestClient.ResponseSpec post(String body) {
        return http.post().uri("/api/v1/admin/numbers/history").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }
}
