package dev.spamcheck.gateway.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.QueryParameters;
import dev.spamcheck.schemas.topic.AuditEvent;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/audit}: audit events by time range (default: the last 24 hours), last
 * four digits, campaign and outcome, newest first. Parameters are read strictly: unknown or
 * repeated ones, and values the database could not take, are {@code invalid_request}.
 */
@RestController
class AuditQueryController {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;
    private static final Set<String> PARAMETERS = Set.of("from", "to", "last4", "campaign_id", "outcome", "limit");
    private static final Set<String> OUTCOMES = Set.of("hit", "miss", "ok", "rejected", "invalid", "not_found",
            "unavailable", "error", "abandoned");
    /** Times outside this range cannot be audit times, and some cannot be stored by PostgreSQL. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final DatabaseClient db;

    AuditQueryController(DatabaseClient db) {
        this.db = db;
    }

    @GetMapping(path = "/api/v1/admin/audit", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<AuditEvents> query(ServerWebExchange exchange) {
        Map<String, String> query = QueryParameters.single(exchange, PARAMETERS);
        Instant until = query.containsKey("to") ? instant(query.get("to"), "to") : Instant.now();
        Instant since = query.containsKey("from") ? instant(query.get("from"), "from") : until.minus(Duration.ofHours(24));
        if (!since.isBefore(until)) {
            throw JsonBodies.invalid("from must be before to");
        }
        int rows = QueryParameters.limit(query.get("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        String last4 = query.get("last4");
        if (last4 != null && !last4.matches("[0-9]{4}")) {
            throw JsonBodies.invalid("last4 must be four digits");
        }
        String campaignId = query.get("campaign_id");
        if (campaignId != null && campaignId.length() > JsonBodies.MAX_CAMPAIGN_ID_LENGTH) {
            throw JsonBodies.invalid("campaign_id must not exceed " + JsonBodies.MAX_CAMPAIGN_ID_LENGTH + " characters");
        }
        String outcome = query.get("outcome");
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw JsonBodies.invalid("outcome must be one of " + OUTCOMES.stream().sorted().toList());
        }
        List<String> conditions = new ArrayList<>(List.of("occurred_at >= :since", "occurred_at < :until"));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("since", since.atOffset(ZoneOffset.UTC));
        parameters.put("until", until.atOffset(ZoneOffset.UTC));
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
        DatabaseClient.GenericExecuteSpec select = db.sql("""
                SELECT request_id, occurred_at, token_id, client_ip, method, path, number_last4, campaign_id,
                       outcome, http_status, error_code, latency_ms
                  FROM audit_log
                 WHERE %s
                 ORDER BY occurred_at DESC, request_id
                 LIMIT :limit""".formatted(String.join(" AND ", conditions)));
        for (Map.Entry<String, Object> parameter : parameters.entrySet()) {
            select = select.bind(parameter.getKey(), parameter.getValue());
        }
        return select.map(row -> new AuditEvent(row.get("request_id", UUID.class).toString(),
                        row.get("occurred_at", OffsetDateTime.class).toInstant(), row.get("token_id", String.class),
                        row.get("client_ip", String.class), row.get("method", String.class),
                        row.get("path", String.class), row.get("number_last4", String.class), null,
                        row.get("campaign_id", String.class), row.get("outcome", String.class),
                        row.get("http_status", Short.class), row.get("error_code", String.class),
                        row.get("latency_ms", Long.class)))
                .all()
                .collectList()
                .map(AuditEvents::new);
    }

    private static Instant instant(String value, String name) {
        try {
            Instant instant = Instant.parse(value);
            if (!instant.isBefore(EARLIEST) && !instant.isAfter(LATEST)) {
                return instant;
            }
        }
        catch (DateTimeParseException ex) {
            // answered below
        }
        throw JsonBodies.invalid(name + " must be an ISO-8601 UTC time between 1970 and 9999, such as 2026-11-25T00:00:00Z");
    }

    record AuditEvents(List<AuditEvent> events) {
    }
}
