package dev.spamcheck.gateway.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.topic.AuditEvent;
import reactor.core.publisher.Flux;

/** {@code audit_log}, as the archiver stores the audit events. */
@Repository
class AuditLog {

    private final DatabaseClient db;

    AuditLog(DatabaseClient db) {
        this.db = db;
    }

    /**
     * What to look for: events in {@code [since, until)}, newest first, at most {@code limit};
     * the others narrow it down when not null.
     */
    record Query(Instant since, Instant until, String last4, String campaignId, String outcome, int limit) {
    }

    Flux<AuditEvent> find(Query query) {
        List<String> conditions = new ArrayList<>(List.of("occurred_at >= :since", "occurred_at < :until"));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("since", query.since().atOffset(ZoneOffset.UTC));
        parameters.put("until", query.until().atOffset(ZoneOffset.UTC));
        parameters.put("limit", query.limit());
        if (query.last4() != null) {
            conditions.add("number_last4 = :last4");
            parameters.put("last4", query.last4());
        }
        if (query.campaignId() != null) {
            conditions.add("campaign_id = :campaign");
            parameters.put("campaign", query.campaignId());
        }
        if (query.outcome() != null) {
            conditions.add("outcome = :outcome");
            parameters.put("outcome", query.outcome());
        }
        DatabaseClient.GenericExecuteSpec select = db.sql("""
                SELECT request_id, occurred_at, token_id, client_ip, method, path, number_last4, campaign_id,
                       outcome, http_status, error_code, latency_ms, target
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
                        row.get("latency_ms", Long.class), row.get("target", String.class)))
                .all();
    }
}
