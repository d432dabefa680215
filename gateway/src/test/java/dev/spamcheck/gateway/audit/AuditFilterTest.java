package dev.spamcheck.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.ProblemResponder;
import dev.spamcheck.schemas.topic.AuditEvent;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Exactly one audit event per exchange, however the exchange ends, without any handler's help. */
class AuditFilterTest {

    private final RecordingKafka kafka = new RecordingKafka();
    private final AuditFilter filter = new AuditFilter(kafka.trail(), new ProblemResponder(JsonMapper.builder().build()),
            RecordingKafka.paths());
    private final MockServerWebExchange exchange = MockServerWebExchange.from(
            MockServerHttpRequest.post("/api/v1/spam_score/+12125550198"));

    @Test
    void anErrorIsAnsweredAsAProblemAndRecordedOnce() {
        AuditEvent event = run(chain -> Mono.error(new ApiException(ErrorCode.UNAUTHORIZED, "A bearer token is required")));

        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(exchange.getResponse().getBodyAsString().block()).contains("\"code\":\"unauthorized\"")
                .contains("\"request_id\":\"" + event.requestId() + "\"");
        assertThat(event.outcome()).isEqualTo("rejected");
        assertThat(event.errorCode()).isEqualTo("unauthorized");
        assertThat(event.path()).isEqualTo("/*/*/*/*").doesNotContain("5550198");
    }

    @Test
    void aFrameworkErrorIsAProblemToo() {
        AuditEvent event = run(chain -> Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND)));
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(event.httpStatus()).isEqualTo(404);
        assertThat(event.errorCode()).isEqualTo("not_found");
    }

    @Test
    void aResponseNobodyWroteIsCompletedAndRecorded() {
        AuditEvent event = run(chain -> Mono.empty());
        assertThat(event.httpStatus()).isEqualTo(200);
        assertThat(event.outcome()).isEqualTo("ok");
        assertThat(exchange.getResponse().getHeaders().getFirst("X-Request-Id")).isEqualTo(event.requestId());
    }

    @Test
    void anExchangeItsClientAbandonsIsRecordedAsAbandonedWithWhatWasKnown() {
        Disposable handling = filter.filter(exchange, e -> {
            AuditedRequest.of(e).number("0198", "spring");
            return Mono.never();
        }).subscribe();
        handling.dispose();

        await().until(() -> kafka.sent.size() == 1);
        AuditEvent event = kafka.sent.get(0);
        assertThat(event.outcome()).isEqualTo("abandoned");
        assertThat(event.httpStatus()).isEqualTo(AuditTrail.CLIENT_CLOSED_REQUEST);
        assertThat(event.numberLast4()).isEqualTo("0198");
        assertThat(event.campaignId()).isEqualTo("spring");
    }

    private AuditEvent run(WebFilterChain chain) {
        Disposable handling = filter.filter(exchange, chain).subscribe();
        await().until(() -> kafka.sent.size() == 1);
        kafka.acknowledge(0);
        await().until(handling::isDisposed);
        assertThat(kafka.sent).hasSize(1);
        AuditEvent event = kafka.sent.get(0);
        assertThat(UUID.fromString(event.requestId()).toString()).isEqualTo(event.requestId());
        // Unkeyed, so concurrent events share the producer's batches (docs/architecture.md, topics).
        assertThat(kafka.keys).containsExactly(Optional.empty());
        return event;
    }
}
