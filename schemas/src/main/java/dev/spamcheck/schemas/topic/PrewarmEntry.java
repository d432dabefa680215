package dev.spamcheck.schemas.topic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An entry of {@link Topics#LOOKUP_PREWARM}, told apart by its fields: a {@link Campaign} entry
 * written by a campaign tool, or a nightly re-check the archiver sends as a {@link LookupRequest},
 * the number protected. An object that is neither (no {@code phone_number}, no
 * {@code number_hash}) reads as a campaign entry without a number, which the worker counts as
 * invalid.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION, defaultImpl = PrewarmEntry.Campaign.class)
@JsonSubTypes({@JsonSubTypes.Type(PrewarmEntry.Campaign.class), @JsonSubTypes.Type(LookupRequest.class)})
public sealed interface PrewarmEntry permits PrewarmEntry.Campaign, LookupRequest {

    /**
     * {@code {"phone_number": "+1…", "campaign_id": "…"}}, in plaintext: the one message that may
     * hold a full number, which is why its topic keeps it less than a day.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Campaign(@JsonProperty("phone_number") String phoneNumber,
            @JsonProperty("campaign_id") String campaignId) implements PrewarmEntry {

        @Override
        public String toString() {
            // Records print their fields; this one must never print the number.
            return "PrewarmEntry.Campaign[campaignId=" + campaignId + "]";
        }
    }
}
