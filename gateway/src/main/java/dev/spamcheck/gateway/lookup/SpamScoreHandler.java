package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebHandler;

import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.schemas.number.NumberProtection;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/spam_score}, the operation callers run most, as a plain {@link WebHandler}
 * mapped to its one path ({@link SpamScoreRoute}) rather than an annotated controller method.
 * Matching a request to a {@code @PostMapping}, resolving its arguments, invoking it reflectively
 * and handling its result cost 12 % of a cache hit's event-loop time (JFR of the hit path); here
 * the same checks are three comparisons, and they answer as the annotated mapping did, through
 * the same exceptions: any other method 405 with {@code Allow: POST} ({@code OPTIONS} 200 with
 * the methods), a body that is not {@code application/json} 415, an {@code Accept} without JSON
 * 400 {@code invalid_request}. The path's perimeter rules and audit are the API's, as for every
 * route ({@code ApiRules}, {@code AuditFilter}).
 */
final class SpamScoreHandler implements WebHandler {

    static final String PATH = "/api/v1/spam_score";

    /** The error code of a lookup refused by the daily call limit (lookup-worker's {@code budget_exhausted}). */
    private static final String BUDGET_EXHAUSTED = "budget_exhausted";
    private static final Set<HttpMethod> ALLOWED = Set.of(HttpMethod.POST);
    private static final Set<HttpMethod> OPTIONS = new LinkedHashSet<>(List.of(HttpMethod.POST, HttpMethod.OPTIONS));
    private static final List<MediaType> JSON = List.of(MediaType.APPLICATION_JSON);

    private final ValidNumbers numbers;
    private final LookupService lookups;
    private final JsonMapper json;

    SpamScoreHandler(ValidNumbers numbers, LookupService lookups, JsonMapper json) {
        this.numbers = numbers;
        this.lookups = lookups;
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        if (!HttpMethod.POST.equals(request.getMethod())) {
            return otherMethod(request.getMethod(), exchange.getResponse());
        }
        RuntimeException notJson = notJson(request.getHeaders());
        if (notJson != null) {
            return Mono.error(notJson);
        }
        AuditedRequest audited = AuditedRequest.of(exchange);
        String client = BearerTokens.client(exchange).id();
        return JsonBodies.read(exchange).flatMap(body -> {
            SpamScoreRequest parsed = SpamScoreRequest.parse(body);
            audited.number(null, parsed.campaignId());
            ValidNumbers.ValidNumber number = numbers.require(parsed.phoneNumber());
            audited.number(NumberProtection.lastFour(number.e164()), number.hash(), parsed.campaignId());
            return lookups.answer(number.e164(), number.hash(), parsed.campaignId(), RequestIds.of(exchange),
                    client, parsed.maxStale());
        }).flatMap(answer -> {
            audited.outcome(answer.stale() ? "stale" : answer.fromCache() ? "hit" : "miss");
            return write(exchange.getResponse(), toResponse(answer));
        });
    }

    /** As a request mapping answers a method it does not declare. */
    private static Mono<Void> otherMethod(HttpMethod method, ServerHttpResponse response) {
        if (HttpMethod.OPTIONS.equals(method)) {
            response.getHeaders().setAllow(OPTIONS);
            return Mono.empty();
        }
        return Mono.error(new MethodNotAllowedException(method, ALLOWED));
    }

    /** As the annotated mapping's {@code consumes} and {@code produces} conditions refused, in that order. */
    private static RuntimeException notJson(HttpHeaders headers) {
        RuntimeException notJsonBody = JsonBodies.notJsonContent(headers);
        if (notJsonBody != null) {
            return notJsonBody;
        }
        List<MediaType> accepted;
        try {
            accepted = headers.getAccept();
        }
        catch (InvalidMediaTypeException ex) {
            return new NotAcceptableStatusException(ex.getMessage());
        }
        if (!accepted.isEmpty() && accepted.stream().noneMatch(MediaType.APPLICATION_JSON::isCompatibleWith)) {
            return new NotAcceptableStatusException(JSON);
        }
        return null;
    }

    /**
     * The answer written here, with the mapper WebFlux's JSON codec uses, rather than handed to
     * WebFlux's result handling, which would look up a writer and an encoder for the answer's type
     * and negotiate its content type again on every answer.
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
