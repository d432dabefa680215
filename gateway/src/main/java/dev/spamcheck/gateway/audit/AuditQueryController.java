package dev.spamcheck.gateway.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.topic.AuditEvent;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/audit}: audit events by time range (default: the last 24 hours), last
 * four digits, campaign and outcome, newest first.
 */
@RestController
class AuditQueryController {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final DatabaseClient db;
    private final AuditTrail audit;

    AuditQueryController(DatabaseClient db, AuditTrail audit) {
        this.db = db;
        this.audit = audit;
    }

    @GetMapping(path = "/api/v1/admin/audit", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<AuditEvents> query(@RequestParam(required = false) String from, @RequestParam(required = false) String to,
            @RequestParam(required = false) String last4, @RequestParam(name = "campaign_id", required = false) String campaignId,
            @RequestParam(required = false) String outcome, @RequestParam(required = false) Integer limit,
            ServerWebExchange exchange) {
        Instant until = to == null ? Instant.now() : instant(to, "to");
        Instant since = from == null ? until.minus(Duration.ofHours(24)) : instant(from, "from");
        int rows = limit == null ? DEFAULT_LIMIT : limit;
        if (rows < 1 || rows > MAX_LIMIT) {
            throw JsonBodies.invalid("limit must be between 1 and " + MAX_LIMIT);
        }
        if (last4 != null && !last4.matches("[0-9]{4}")) {
            throw JsonBodies.invalid("last4 must be four digits");
        }
        List<String> conditions = new ArrayList<>(List.of("occurred_at >= :since", "occurred_at < :until"));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("since", since.atOffset(java.time.ZoneOffset.UTC));
        parameters.put("until", until.atOffset(java.time.ZoneOffset.UTC));
        parameters.put("limit", rows);
        if (last4 != null) {
            conditions.add("number_last4 = :last4");
            parameters.put("last4", last4);
        }
        if (campaignId != null) {
            conditions.add("campaign_id = :campaign");
            parameters.put("campaign", campaignId);
        }
        if (outcome != null) {
            conditions.add("outcome = :outcome");
            parameters.put("outcome", outcome);
        }
        DatabaseClient.GenericExecuteSpec query = db.sql("""
                SELECT request_id, occurred_at, token_id, client_ip, method, path, number_last4, campaign_id,
                       outcome, http_status, error_code, latency_ms
                  FROM audit_log
                 WHERE %s
                 ORDER BY occurred_at DESC, request_id
                 LIMIT :limit""".formatted(String.join(" AND ", conditions)));
        for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
            query = query.bind(parameter.getKey(), parameter.getValue());
        }
        return query.map(row -> new AuditEvent(row.get("request_id", UUID.class).toString(),
                        row.get("occurred_at", OffsetDateTime.class).toInstant(), row.get("token_id", String.class),
                        row.get("client_ip", String.class), row.get("method", String.class),
                        row.get("path", String.class), row.get("number_last4", String.class),
                        row.get("campaign_id", String.class), row.get("outcome", String.class),
                        row.get("http_status", Short.class), row.get("error_code", String.class),
                        row.get("latency_ms", Long.class)))
                .all()
                .collectList()
                .flatMap(events -> audit.confirm(exchange, HttpStatus.OK).thenReturn(new AuditEvents(events)));
    }

    private static Instant instant(String value, String name) {
        try {
            return Instant.parse(value);
        }
        catch (DateTimeParseException ex) {
            throw JsonBodies.invalid(name + " must be an ISO-8601 UTC time such as 2026-11-25T00:00:00Z");
        }
    }

    record AuditEvents(List<AuditEvent> events) {
    }
}
