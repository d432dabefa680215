package dev.spamcheck.schemas.topic;

import java.time.Instant;
import java.util.SortedMap;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A campaign's number health, on {@link Topics#CAMPAIGN_HEALTH}, keyed by campaign id. Schema:
 * {@code schemas/campaign-health.schema.json}. A campaign's numbers are those answered for it: by
 * a lookup naming it (from the cache or not) or by its prewarm.
 *
 * @param numbersChecked the campaign's numbers (purged numbers leave it)
 * @param currentlyFlagged those whose latest score is 1
 * @param changesByMinute reputation changes of its numbers, by the epoch minute of the answer
 *        that found them, for the last 7 days
 * @param version grows with every snapshot of the campaign (at least the time in milliseconds,
 *        so also across an application reset), so a store keeps only the newest
 */
public record CampaignHealth(
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("numbers_checked") long numbersChecked,
        @JsonProperty("currently_flagged") long currentlyFlagged,
        @JsonProperty("changes_by_minute") SortedMap<Long, Integer> changesByMinute,
        @JsonProperty("version") long version,
        @JsonProperty("updated_at") Instant updatedAt) {

    public CampaignHealth {
        // Required by the schema, and what the health table stores: see ReputationChange.
        if (campaignId == null || changesByMinute == null || updatedAt == null) {
            throw new IllegalArgumentException("campaign_id, changes_by_minute and updated_at are required");
        }
    }
}
