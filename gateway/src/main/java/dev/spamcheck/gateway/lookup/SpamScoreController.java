package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.schemas.number.NumberProtection;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

@RestController
class SpamScoreController {

    /** The error code of a lookup refused by the daily call limit (lookup-worker's {@code budget_exhausted}). */
    private static final String BUDGET_EXHAUSTED = "budget_exhausted";

    private final ValidNumbers numbers;
    private final LookupService lookups;
    private final JsonMapper json;

    SpamScoreController(ValidNumbers numbers, LookupService lookups, JsonMapper json) {
        this.numbers = numbers;
        this.lookups = lookups;
        this.json = json;
    }

    @PostMapping(path = "/api/v1/spam_score", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Void> spamScore(ServerWebExchange exchange) {
        AuditedRequest audited = AuditedRequest.of(exchange);
        String client = BearerTokens.client(exchange).id();
        return JsonBodies.read(exchange).flatMap(body -> {
            SpamScoreRequest request = SpamScoreRequest.parse(body);
            audited.number(null, request.campaignId());
            ValidNumbers.ValidNumber number = numbers.require(request.phoneNumber());
            audited.number(NumberProtection.lastFour(number.e164()), number.hash(), request.campaignId());
            return lookups.answer(number.e164(), number.hash(), request.campaignId(), RequestIds.of(exchange),
                    client, request.maxStale());
        }).flatMap(answer -> {
            audited.outcome(answer.stale() ? "stale" : answer.fromCache() ? "hit" : "miss");
            return write(exchange.getResponse(), toResponse(answer));
        });
    }

    /**
     * The answer written here, with the mapper WebFlux's JSON codec uses, rather than returned for
     * WebFlux to write: it would look up a result handler, then a writer and an encoder for the
     * answer's type, and negotiate its content type again, on every answer (9 % of a cache hit's
     * event-loop time, JFR of the hit path). The mapping's {@code produces} condition has already
     * refused an {@code Accept} without JSON.
     */
    private Mono<Void> write(ServerHttpResponse response, SpamScoreResponse answer) {
        byte[] body = json.writeValueAsBytes(answer);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.setContentLength(body.length);
        // A heap buffer: nothing to release if the write is never subscribed.
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    /** Uncached numbers wait for the next UTC day, when Twilio's daily call limit starts afresh. */
    private static ApiException budgetExhausted(Answer answer) {
        Instant now = answer.checkedAt() == null ? Instant.now() : answer.checkedAt();
        Instant tomorrow = now.atZone(ZoneOffset.UTC).toLocalDate().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return new ApiException(ErrorCode.BUDGET_EXHAUSTED,
                "Today's Twilio lookups are spent and this number is not cached; try again after midnight UTC",
                Duration.between(now, tomorrow));
    }

    private SpamScoreResponse toResponse(Answer answer) {
        return switch (answer.outcome()) {
            case SCORED -> new SpamScoreResponse(answer.spamScore(), answer.checkedAt().truncatedTo(ChronoUnit.SECONDS),
                    answer.stale() ? Boolean.TRUE : null, answer.risk(), answer.sources());
            case NOT_FOUND -> throw new ApiException(ErrorCode.PHONE_NUMBER_NOT_FOUND,
                    "Twilio does not know this phone number");
            case UNAVAILABLE -> throw BUDGET_EXHAUSTED.equals(answer.errorCode()) ? budgetExhausted(answer)
                    : lookups.unavailable("The spam score cannot be determined right now; try again shortly",
                            answer.retryAfter());
        };
    }
}
