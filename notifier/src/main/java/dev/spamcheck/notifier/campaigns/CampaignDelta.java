package dev.spamcheck.notifier.campaigns;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How one number changes one campaign's counts (keyed by campaign id): a number joined (+1) or
 * left (-1), became flagged (+1) or clean (-1), and the minute of a reputation change, if this is
 * one. Internal to the campaign-health topology.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record CampaignDelta(
        @JsonProperty("numbers") int numbers,
        @JsonProperty("flagged") int flagged,
        @JsonProperty("change_minute") Long changeMinute) {
}
