package dev.spamcheck.gateway.campaigns;

import java.time.Instant;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.QueryParameters;
import dev.spamcheck.schemas.topic.CampaignIds;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/campaigns/{campaign_id}/health}: a campaign's number health as the
 * notifier's stream processor last computed it ({@link CampaignHealthStore}). The gateway refuses
 * percent-encoded paths, so a campaign id that cannot be written in a path as it is ("Spring
 * launch") is asked for with {@code GET /api/v1/admin/campaigns/health?campaign_id=}.
 */
@RestController
class CampaignHealthController {

    private final CampaignHealthStore store;

    CampaignHealthController(CampaignHealthStore store) {
        this.store = store;
    }

    @GetMapping(path = "/api/v1/admin/campaigns/{campaignId}/health", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Health> health(@PathVariable String campaignId, ServerWebExchange exchange) {
        QueryParameters.single(exchange, Set.of());
        return healthOf(campaignId);
    }

    @GetMapping(path = "/api/v1/admin/campaigns/health", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Health> healthByQuery(ServerWebExchange exchange) {
        String campaignId = QueryParameters.single(exchange, Set.of("campaign_id")).get("campaign_id");
        if (campaignId == null || campaignId.isEmpty()) {
            throw JsonBodies.invalid("campaign_id is required");
        }
        return healthOf(campaignId);
    }

    private Mono<Health> healthOf(String campaignId) {
        // The rules a lookup's campaign_id follows, with the same answers: no campaign can have another id.
        String invalid = CampaignIds.whyInvalid(campaignId);
        if (invalid != null) {
            throw JsonBodies.invalid(invalid);
        }
        return store.find(campaignId)
                .switchIfEmpty(notFound());
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
