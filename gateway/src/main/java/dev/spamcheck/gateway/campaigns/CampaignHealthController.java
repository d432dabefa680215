package dev.spamcheck.gateway.campaigns;

import java.time.Instant;
import java.time.OffsetDateTime;

import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.QueryParameters;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/campaigns/{campaign_id}/health}: a campaign's number health as the
 * archiver's stream processor last computed it ({@code campaign_health}). The change counts are
 * taken at the time of asking, from changes kept by minute. The gateway refuses percent-encoded
 * paths, so a campaign id that cannot be written in a path as it is ("Spring launch") is asked
 * for with {@code GET /api/v1/admin/campaigns/health?campaign_id=}.
 */
@RestController
class CampaignHealthController {

    private final DatabaseClient db;

    CampaignHealthController(DatabaseClient db) {
        this.db = db;
    }

    @GetMapping(path = "/api/v1/admin/campaigns/{campaignId}/health", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Health> health(@PathVariable String campaignId, ServerWebExchange exchange) {
        QueryParameters.single(exchange, Set.of());
        return health(campaignId);
    }

    @GetMapping(path = "/api/v1/admin/campaigns/health", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Health> healthByQuery(ServerWebExchange exchange) {
        String campaignId = QueryParameters.single(exchange, Set.of("campaign_id")).get("campaign_id");
        if (campaignId == null || campaignId.isEmpty()) {
            throw JsonBodies.invalid("campaign_id is required");
        }
        return health(campaignId);
    }

    private Mono<Health> health(String campaignId) {
        if (campaignId.length() > JsonBodies.MAX_CAMPAIGN_ID_LENGTH || JsonBodies.hasControlCharacter(campaignId)) {
            // No lookup could have named it: campaign ids are checked the same way there.
            return notFound();
        }
        return db.sql("""
                SELECT campaign_id, numbers_checked, currently_flagged, updated_at,
                       (SELECT coalesce(sum(value::bigint), 0) FROM jsonb_each_text(changes_by_minute)
                         WHERE key::bigint * 60 > extract(epoch FROM now()) - 86400) AS changes_24h,
                       (SELECT coalesce(sum(value::bigint), 0) FROM jsonb_each_text(changes_by_minute)
                         WHERE key::bigint * 60 > extract(epoch FROM now()) - 604800) AS changes_7d
                  FROM campaign_health WHERE campaign_id = :campaign""")
                .bind("campaign", campaignId)
                .map(row -> new Health(row.get("campaign_id", String.class), row.get("numbers_checked", Long.class),
                        row.get("currently_flagged", Long.class), number(row.get("changes_24h")),
                        number(row.get("changes_7d")), row.get("updated_at", OffsetDateTime.class).toInstant()))
                .one()
                .switchIfEmpty(notFound());
    }

    private static long number(Object value) {
        return ((Number) value).longValue();
    }

    private static Mono<Health> notFound() {
        return Mono.error(new ApiException(ErrorCode.NOT_FOUND, "No number has been checked for this campaign"));
    }

    record Health(
            @JsonProperty("campaign_id") String campaignId,
            @JsonProperty("numbers_checked") long numbersChecked,
            @JsonProperty("currently_flagged") long currentlyFlagged,
            @JsonProperty("changes_last_24h") long changesLast24h,
            @JsonProperty("changes_last_7d") long changesLast7d,
            @JsonProperty("updated_at") Instant updatedAt) {
    }
}
