package dev.spamcheck.notifier.campaigns;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.schemas.topic.LookupResult;

/**
 * What the campaign-health topology learns about one number (keyed by its hash): it was answered
 * for a campaign, it has a newer score, or it was purged. Internal to the topology.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record NumberEvent(
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("score") Integer score,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("forget") boolean forget) {

    static final NumberEvent FORGET = new NumberEvent(null, null, null, true);

    /** A definitive result: its campaign, and its score when scored; null when it says nothing. */
    static NumberEvent of(LookupResult result) {
        boolean scored = result.outcome() == LookupResult.Outcome.SCORED && result.spamScore() != null
                && result.checkedAt() != null;
        if (!scored && result.campaignId() == null) {
            return null;
        }
        return new NumberEvent(result.campaignId(), scored ? result.spamScore() : null,
                scored ? result.checkedAt() : null, false);
    }

    /**
     * A spam score lookup answered for a campaign (from the cache or not; a score or "not found",
     * as a result counts either); null for any other exchange.
     */
    static NumberEvent of(CampaignLookup lookup) {
        boolean answered = "hit".equals(lookup.outcome()) || "miss".equals(lookup.outcome())
                || "stale".equals(lookup.outcome()) || "not_found".equals(lookup.outcome());
        if (!answered || lookup.campaignId() == null || lookup.numberHash() == null) {
            return null;
        }
        return new NumberEvent(lookup.campaignId(), null, null, false);
    }
}
