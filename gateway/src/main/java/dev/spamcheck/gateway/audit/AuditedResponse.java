package dev.spamcheck.gateway.audit;

import java.time.Duration;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.ProblemResponder;
import dev.spamcheck.gateway.problem.RequestIds;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The response of an audited exchange. Whatever writes or completes it first records the
 * exchange's audit event and waits for Kafka to acknowledge it, so nothing is answered before
 * its event is durable. A success whose event Kafka refuses is answered 503 instead; any other
 * answer goes out as it is.
 */
final class AuditedResponse extends ServerHttpResponseDecorator {

    private final ServerWebExchange exchange;
    private final AuditTrail trail;
    private final ProblemResponder problems;
    private final AuditPaths paths;

    AuditedResponse(ServerWebExchange exchange, AuditTrail trail, ProblemResponder problems, AuditPaths paths) {
        super(exchange.getResponse());
        this.exchange = exchange;
        this.trail = trail;
        this.problems = problems;
        this.paths = paths;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        return release(Mono.defer(() -> super.writeWith(body)), body);
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        return release(Mono.defer(() -> super.writeAndFlushWith(body)), Flux.from(body).flatMap(Flux::from));
    }

    @Override
    public Mono<Void> setComplete() {
        return release(Mono.defer(super::setComplete), Flux.empty());
    }

    /** Writes the problem an error is answered with, through this response. */
    Mono<Void> answer(ApiException problem) {
        return problems.write(this, problem, RequestIds.of(exchange), paths.of(exchange));
    }

    private Mono<Void> release(Mono<Void> write, Publisher<? extends DataBuffer> body) {
        return Mono.defer(() -> {
            HttpStatusCode status = getStatusCode();
            boolean success = status == null || status.is2xxSuccessful();
            return trail.record(exchange, status == null ? 200 : status.value())
                    .thenReturn(true)
                    .onErrorResume(AuditTrail.NotRecorded.class, ex -> Mono.just(false))
                    .flatMap(recorded -> recorded || !success ? write : discard(body).then(answer(
                            new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                                    "The request cannot be recorded in the audit trail right now; try again shortly",
                                    Duration.ofSeconds(5)))));
        });
    }

    private static Mono<Void> discard(Publisher<? extends DataBuffer> body) {
        return Flux.from(body).doOnNext(DataBufferUtils::release).then();
    }
}
