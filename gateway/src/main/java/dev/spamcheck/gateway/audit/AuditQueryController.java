package dev.spamcheck.gateway.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.QueryParameters;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.CampaignIds;
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
    static final Duration MAX_RANGE = Duration.ofDays(31);
    private static final Set<String> PARAMETERS = Set.of("from", "to", "last4", "campaign_id", "outcome", "limit");
    private static final Set<String> OUTCOMES = Set.of("hit", "miss", "stale", "ok", "rejected", "invalid",
            "not_found", "unavailable", "error", "abandoned");
    /** Times outside this range cannot be audit times, and some cannot be stored by PostgreSQL. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final AuditLog auditLog;

    AuditQueryController(AuditLog auditLog) {
        this.auditLog = auditLog;
    }

    @GetMapping(path = "/api/v1/admin/audit", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<AuditEvents> query(ServerWebExchange exchange) {
        Map<String, String> query = QueryParameters.single(exchange, PARAMETERS);
        Instant until = query.containsKey("to") ? instant(query.get("to"), "to") : Instant.now();
        Instant since = query.containsKey("from") ? instant(query.get("from"), "from") : until.minus(Duration.ofHours(24));
        if (!since.isBefore(until)) {
            throw JsonBodies.invalid("from must be before to");
        }
        // Only occurred_at is indexed (every other index would cost each audited request its
        // write): a filter that matches little reads the whole range, so the range is bounded.
        if (Duration.between(since, until).compareTo(MAX_RANGE) > 0) {
            throw JsonBodies.invalid("from and to must be at most " + MAX_RANGE.toDays() + " days apart");
        }
        int rows = QueryParameters.limit(query.get("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        String last4 = query.get("last4");
        if (last4 != null && !last4.matches("[0-9]{4}")) {
            throw JsonBodies.invalid("last4 must be four digits");
        }
        String campaignId = query.get("campaign_id");
        String invalidCampaign = campaignId == null ? null : CampaignIds.whyInvalid(campaignId);
        if (invalidCampaign != null) {
            throw JsonBodies.invalid(invalidCampaign);
        }
        String outcome = query.get("outcome");
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw JsonBodies.invalid("outcome must be one of " + OUTCOMES.stream().sorted().toList());
        }
        return auditLog.find(new AuditLog.Query(since, until, last4, campaignId, outcome, rows))
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
        // Query values are form-encoded: an offset's + arrives as a space.
        throw JsonBodies.invalid(name + " must be an ISO-8601 time between 1970 and 9999, such as 2026-11-25T00:00:00Z"
                + (value.indexOf(' ') >= 0 ? "; a + in a query stands for a space: write it %2B" : ""));
    }

    record AuditEvents(List<AuditEvent> events) {
    }
}
