package dev.spamcheck.gateway.lookup;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
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

    private final DatabaseClient db;
    private final ValidNumbers numbers;
    private final NumberProtection protection;

    NumberHistoryController(DatabaseClient db, ValidNumbers numbers, NumberProtection protection) {
        this.db = db;
        this.numbers = numbers;
        this.protection = protection;
    }

    @PostMapping(path = "/api/v1/admin/numbers/history", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<NumberHistory> history(ServerWebExchange exchange) {
        return JsonBodies.read(exchange).flatMap(body -> history(body, exchange));
    }

    private Mono<NumberHistory> history(String body, ServerWebExchange exchange) {
        String input = JsonBodies.requiredString(JsonBodies.object(body, Set.of("phone_number")), "phone_number");
        String e164 = numbers.require(input);
        String last4 = NumberProtection.lastFour(e164);
        AuditedRequest.of(exchange).number(last4, null);
        return db.sql("""
                SELECT checked_at, outcome, spam_score, origin, false AS archived
                  FROM lookup_results WHERE number_hash = :hash
                UNION ALL
                SELECT checked_at, outcome, spam_score, origin, true AS archived
                  FROM lookup_history WHERE number_hash = :hash
                 ORDER BY checked_at DESC
                 LIMIT :limit
                """)
                .bind("hash", protection.hash(e164))
                .bind("limit", MAX_CHECKS)
                .map(row -> {
                    Short score = row.get("spam_score", Short.class);
                    return new Check(row.get("checked_at", OffsetDateTime.class).toInstant(),
                            row.get("outcome", String.class), score == null ? null : score.intValue(),
                            row.get("origin", String.class), Boolean.TRUE.equals(row.get("archived", Boolean.class)));
                })
                .all()
                .collectList()
                .map(checks -> new NumberHistory(last4, checks));
    }

    record NumberHistory(@JsonProperty("last4") String last4, @JsonProperty("checks") List<Check> checks) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Check(@JsonProperty("checked_at") Instant checkedAt, @JsonProperty("outcome") String outcome,
            @JsonProperty("spam_score") Integer spamScore, @JsonProperty("origin") String origin,
            @JsonProperty("archived") boolean archived) {
    }
}
