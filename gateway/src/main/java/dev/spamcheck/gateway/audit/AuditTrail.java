package dev.spamcheck.gateway.audit;

import java.net.InetSocketAddress;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.perimeter.ClientOrigin;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.gateway.transport.EventLoops;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/**
 * Turns an exchange into its one audit event on {@link Topics#AUDIT_EVENTS}, without a key, and
 * sends it with {@code acks=all}. Only the audit filter and its response use it.
 */
@Component
class AuditTrail {

    /**
     * Outcomes of a spam score lookup that told the caller about the number (a score, or that it was
     * not found): their events carry the number's hash, by which campaign health counts a
     * campaign's numbers.
     */
    private static final Set<String> ANSWERED = Set.of("hit", "miss", "stale", "not_found");
    /** The status of an exchange the client abandoned before it was answered (as nginx logs it). */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    private final TopicSender kafka;
    private final AuditPaths paths;

    AuditTrail(TopicSender kafka, AuditPaths paths) {
        this.kafka = kafka;
        this.paths = paths;
    }

    /**
     * Records the exchange as answered with this status, unless it was recorded already (then
     * completes at once). Completes when Kafka has acknowledged the event, never on Kafka's own
     * network thread; fails with {@link NotRecorded} when Kafka did not take it.
     */
    Mono<Void> record(ServerWebExchange exchange, int status) {
        AuditedRequest request = AuditedRequest.of(exchange);
        if (!request.markRecorded()) {
            return Mono.empty();
        }
        AuditEvent event = event(exchange, request, status, outcome(request, status));
        return send(exchange, event)
                .onErrorMap(ex -> {
                    logUnrecorded(event, ex);
                    return new NotRecorded(ex);
                });
    }

    /** Records an exchange whose client went away before it was answered, with what was known. */
    void recordAbandoned(ServerWebExchange exchange) {
        AuditedRequest request = AuditedRequest.of(exchange);
        if (!request.markRecorded()) {
            return;
        }
        AuditEvent event = event(exchange, request, CLIENT_CLOSED_REQUEST, "abandoned");
        send(exchange, event).subscribe(null, ex -> logUnrecorded(event, ex));
    }

    /**
     * The log is the exchange's only record then (refusals and failures are still answered), so it
     * carries what an operator needs to account for it: the event without the number's hash and
     * the caller's campaign text.
     */
    private static void logUnrecorded(AuditEvent event, Throwable failure) {
        log.error("Audit event for request {} not accepted by Kafka ({}): {} {} {} {} at {} from {} with token {},"
                + " number ending {}, target {}", event.requestId(), failure.getClass().getSimpleName(),
                event.httpStatus(), event.outcome(), event.method(), event.path(), event.occurredAt(), event.clientIp(),
                event.tokenId(), event.numberLast4(), event.target());
    }

    /**
     * No timeout of its own (see {@link TopicSender#send}): giving up earlier could answer 503 for
     * an exchange whose event Kafka then stores.
     */
    private Mono<Void> send(ServerWebExchange exchange, AuditEvent event) {
        // The answer waits for this acknowledgement; it resumes on its connection's event loop.
        // No key: a request id orders nothing, and unkeyed records are filled into one partition's
        // batch at a time (the producer's sticky partitioner), so the events of concurrent exchanges
        // reach the broker as one batch rather than one per partition they hash to.
        return kafka.send(Topics.AUDIT_EVENTS, null, event, EventLoops.of(exchange));
    }

    private AuditEvent event(ServerWebExchange exchange, AuditedRequest request, int status, String outcome) {
        String method = exchange.getRequest().getMethod().name();
        return new AuditEvent(RequestIds.of(exchange), request.receivedAt(), request.tokenId(), clientIp(exchange),
                METHODS.contains(method) ? method : "OTHER", paths.of(exchange), request.numberLast4(),
                ANSWERED.contains(outcome) ? request.numberHash() : null,
                request.campaignId(), outcome, status, status < 400 ? null : request.errorCode(),
                request.latencyMillis(), AuditTargets.of(exchange, status));
    }

    private static String clientIp(ServerWebExchange exchange) {
        ClientOrigin origin = ClientOrigin.of(exchange);
        if (origin != null) {
            return origin.clientIp();
        }
        InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
        return peer == null || peer.getAddress() == null ? "unknown" : peer.getAddress().getHostAddress();
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

    /** Kafka did not take an exchange's audit event. */
    static final class NotRecorded extends RuntimeException {

        NotRecorded(Throwable cause) {
            super(cause.getClass().getSimpleName(), cause, false, false);
        }
    }
}
