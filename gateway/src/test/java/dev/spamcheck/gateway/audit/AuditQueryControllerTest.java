package dev.spamcheck.gateway.audit;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.net.URI;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.schemas.topic.AuditEvent;
import reactor.core.publisher.Flux;

/** {@code GET /api/v1/admin/audit}: the filters it takes, and the ones it refuses before any query. */
@GatewaySliceTest(AuditQueryController.class)
class AuditQueryControllerTest {

    @Autowired
    WebTestClient http;

    @MockitoBean
    AuditLog auditLog;

    @Test
    void theFiltersReachTheQueryAsGiven() {
        when(auditLog.find(any())).thenReturn(Flux.just(new AuditEvent("r1", Instant.parse("2026-12-03T10:00:00Z"),
                "tok_00000000000b", "10.0.0.1", "POST", "/api/v1/spam_score", "0123", null, "c1", "hit", 200, null, 3)));

        query("from=2026-12-03T00:00:00Z&to=2026-12-04T00:00:00Z&last4=0123&campaign_id=c1&outcome=hit&limit=5")
                .expectStatus().isOk().expectBody()
                .jsonPath("$.events[0].number_last4").isEqualTo("0123")
                .jsonPath("$.events[0].outcome").isEqualTo("hit");

        ArgumentCaptor<AuditLog.Query> asked = ArgumentCaptor.forClass(AuditLog.Query.class);
        verify(auditLog).find(asked.capture());
        assertThat(asked.getValue()).isEqualTo(new AuditLog.Query(Instant.parse("2026-12-03T00:00:00Z"),
                Instant.parse("2026-12-04T00:00:00Z"), "0123", "c1", "hit", 5));
    }

    @Test
    void withoutFiltersItIsTheLast24HoursAHundredAtATime() {
        when(auditLog.find(any())).thenReturn(Flux.empty());
        query("").expectStatus().isOk().expectBody().json("{\"events\":[]}");

        ArgumentCaptor<AuditLog.Query> asked = ArgumentCaptor.forClass(AuditLog.Query.class);
        verify(auditLog).find(asked.capture());
        assertThat(asked.getValue().limit()).isEqualTo(100);
        assertThat(java.time.Duration.between(asked.getValue().since(), asked.getValue().until())).hasHours(24);
    }

    @Test
    void aRangeOfExactly31DaysIsAsked() {
        when(auditLog.find(any())).thenReturn(Flux.empty());
        query("from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00Z").expectStatus().isOk();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"from=yesterday", "from=2026-12-04T00:00:00Z&to=2026-12-03T00:00:00Z",
            "to=10000-01-01T00:00:00Z", "from=1969-12-31T23:59:59Z", "last4=12a4", "last4=12345",
            "outcome=anything", "limit=0", "limit=1001", "limit=ten", "number=+12025550123", "last4=0123&last4=4567",
            "campaign_id=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            // Parameters without a value, or without a name.
            "from", "limit", "from=2026-12-03T00:00:00Z&to", "last4=0123&last4", "=0123",
            // More than 31 days apart.
            "from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:01Z", "from=1970-01-01T00:00:00Z"})
    void aFilterThatCannotMatchIs400WithoutAQuery(String query) {
        String body = problem(query(query), 400, "invalid_request");
        assertThat(body).doesNotContain("2025550123");
        verify(auditLog, never()).find(any());
    }

    @Test
    void anOffsetsPlusMustBeEncodedAndTheProblemSaysSo() {
        when(auditLog.find(any())).thenReturn(Flux.empty());
        query("from=2026-12-03T01:00:00+01:00").expectStatus().isOk();

        WebTestClient.ResponseSpec raw = http.get()
                .uri(URI.create("/api/v1/admin/audit?from=2026-12-03T01:00:00+01:00"))
                .header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
        assertThat(problem(raw, 400, "invalid_request")).contains("write it %2B");
    }

    private WebTestClient.ResponseSpec query(String query) {
        return http.get().uri(URI.create("/api/v1/admin/audit" + (query.isEmpty() ? "" : "?" + query.replace("+", "%2B"))))
                .header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
    }
}
