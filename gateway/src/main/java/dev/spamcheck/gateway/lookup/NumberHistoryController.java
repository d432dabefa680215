package dev.spamcheck.gateway.lookup;

import java.util.List;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.number.NumberProtection;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/admin/numbers/history}: every check of one number, recent and archived.
 * The number travels in the body, never in the URL.
 */
@RestController
class NumberHistoryController {

    private static final int MAX_CHECKS = 1000;

    private final NumberChecks checks;
    private final ValidNumbers numbers;

    NumberHistoryController(NumberChecks checks, ValidNumbers numbers) {
        this.checks = checks;
        this.numbers = numbers;
    }

    @PostMapping(path = "/api/v1/admin/numbers/history", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<NumberHistory> history(ServerWebExchange exchange) {
        return JsonBodies.read(exchange).flatMap(body -> history(body, exchange));
    }

    private Mono<NumberHistory> history(String body, ServerWebExchange exchange) {
        String input = JsonBodies.requiredString(JsonBodies.object(body, Set.of("phone_number")), "phone_number");
        ValidNumbers.ValidNumber number = numbers.require(input);
        String last4 = NumberProtection.lastFour(number.e164());
        AuditedRequest.of(exchange).number(last4, null);
        return checks.latest(number.hash(), MAX_CHECKS)
                .collectList()
                .map(found -> new NumberHistory(last4, found));
    }

    record NumberHistory(@JsonProperty("last4") String last4,
            @JsonProperty("checks") List<NumberChecks.Check> checks) {
    }
}
