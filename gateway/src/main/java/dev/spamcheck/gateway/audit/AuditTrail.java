package dev.spamcheck.gateway.audit;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatusCode;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes one audit event per request to {@link Topics#AUDIT_EVENTS}, keyed by request id, and
 * waits for Kafka to acknowledge it ({@code acks=all}). Successful answers call
 * {@link #confirm} before they are sent, so a 200 never leaves without its audit event; every
 * other response is recorded just before it is committed.
 */
@Component
public class AuditTrail {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(3);

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;

    AuditTrail(KafkaTemplate<String, String> kafka, MessageCodec codec) {
        this.kafka = kafka;
        this.codec = codec;
    }

    /**
     * Records a successful answer before it is sent.
     *
     * @return an error of {@code service_unavailable} when Kafka does not take the event
     */
    public Mono<Void> confirm(ServerWebExchange exchange, HttpStatusCode status) {
        return record(exchange, status.value()).onErrorMap(ex -> !(ex instanceof ApiException), ex -> {
            log.error("Audit event for request {} not accepted by Kafka ({}); answering 503",
                    RequestIds.of(exchange), ex.getClass().getSimpleName());
            return new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                    "The request cannot be recorded in the audit trail right now; try again shortly",
                    Duration.ofSeconds(5));
        });
    }

    /** Records whatever response is about to be committed, unless it was recorded already. */
    Mono<Void> recordBeforeCommit(ServerWebExchange exchange) {
        HttpStatusCode status = exchange.getResponse().getStatusCode();
        return record(exchange, status == null ? 200 : status.value()).onErrorResume(ex -> {
            log.error("Audit event for request {} not accepted by Kafka: {}", RequestIds.of(exchange),
                    ex.getClass().getSimpleName());
            return Mono.empty();
        });
    }

    private Mono<Void> record(ServerWebExchange exchange, int status) {
        AuditedRequest request = AuditedRequest.of(exchange);
        if (!request.markRecorded()) {
            return Mono.empty();
        }
        AuditEvent event = new AuditEvent(RequestIds.of(exchange), request.receivedAt(), request.tokenId(),
                request.clientIp() == null ? "unknown" : request.clientIp(),
                exchange.getRequest().getMethod().name(), truncate(exchange.getRequest().getPath().value(), 256),
                request.numberLast4(), request.campaignId(), outcome(request, status), status, request.errorCode(),
                request.latencyMillis());
        return Mono.fromCallable(() -> kafka.send(Topics.AUDIT_EVENTS, event.requestId(), codec.encode(event)))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(Mono::fromFuture)
                .timeout(ACK_TIMEOUT)
                .then();
    }

    private static String outcome(AuditedRequest request, int status) {
        if (status < 400) {
            return request.outcome() == null ? "ok" : request.outcome();
        }
        return switch (status) {
            case 401, 403, 429 -> "rejected";
            case 422 -> "not_found";
            case 503 -> "unavailable";
            default -> status >= 500 ? "error" : "invalid";
        };
    }

    private static String truncate(String value, int length) {
        return value.length() <= length ? value : value.substring(0, length);
    }
}
