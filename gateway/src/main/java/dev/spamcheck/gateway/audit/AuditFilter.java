package dev.spamcheck.gateway.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.DisconnectedClientHelper;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.ProblemResponder;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.gateway.transport.ManagementServer;
import reactor.core.publisher.Mono;

/**
 * The one owner of the audit: wraps every API exchange, before the firewall and everything else,
 * so each leaves exactly one audit event, whether it was answered, rejected, invalid, failed or
 * abandoned by its client. It gives the exchange its request id, answers every error as a
 * problem through the audited response, and completes responses nobody wrote. Handlers never
 * call it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class AuditFilter implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);

    private final AuditTrail trail;
    private final ProblemResponder problems;
    private final AuditPaths paths;

    AuditFilter(AuditTrail trail, ProblemResponder problems, AuditPaths paths) {
        this.trail = trail;
        this.problems = problems;
        this.paths = paths;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (ManagementServer.handles(exchange)) {
            return chain.filter(exchange);
        }
        RequestIds.assign(exchange);
        AuditedRequest.start(exchange);
        AuditedResponse response = new AuditedResponse(exchange, trail, problems, paths);
        ServerWebExchange audited = exchange.mutate().response(response).build();
        return chain.filter(audited)
                .onErrorResume(error -> answer(audited, response, error))
                .then(Mono.defer(response::setComplete))
                .doOnCancel(() -> trail.recordAbandoned(exchange));
    }

    /** A fixed name: the web filter chain checkpoints each filter by its name on every request. */
    @Override
    public String toString() {
        return "AuditFilter";
    }

    private Mono<Void> answer(ServerWebExchange exchange, AuditedResponse response, Throwable error) {
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        if (DisconnectedClientHelper.isClientDisconnectedException(error)) {
            // The client hung up while its request was read: nobody to answer, nothing failed here.
            trail.recordAbandoned(exchange);
            return Mono.empty();
        }
        ApiException problem = ProblemResponder.translate(error);
        if (problem.errorCode() == ErrorCode.INTERNAL_ERROR) {
            log.error("Unhandled error answering {} {} (request {})", exchange.getRequest().getMethod(),
                    paths.of(exchange), RequestIds.of(exchange), error);
        }
        AuditedRequest.of(exchange).errorCode(problem.errorCode().code());
        return response.answer(problem);
    }
}
