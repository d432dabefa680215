package dev.spamcheck.notifier.campaigns;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.Topics;

/**
 * The three fields of an {@link AuditEvent} that campaign health reads, from the same JSON on
 * {@link Topics#AUDIT_EVENTS}. Campaign health reads every event, and binding only these leaves
 * the rest (the time above all, the costliest field to parse) to the tokenizer.
 */
record CampaignLookup(
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("outcome") String outcome) {
}
