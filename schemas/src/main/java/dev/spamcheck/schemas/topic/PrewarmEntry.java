package dev.spamcheck.schemas.topic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.jsontype.TypeDeserializer;

/**
 * An entry of {@link Topics#LOOKUP_PREWARM}, told apart by its fields: a {@link Campaign} entry
 * written by a campaign tool, or a nightly re-check the archiver sends as a {@link LookupRequest},
 * the number protected. An object that is neither (no {@code phone_number}, no
 * {@code number_hash}) reads as a campaign entry without a number, which the worker counts as
 * invalid. Written as the entry it is (type deduction: no type id), read by {@link Reader}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.DEDUCTION, defaultImpl = PrewarmEntry.Campaign.class)
@JsonSubTypes({@JsonSubTypes.Type(PrewarmEntry.Campaign.class), @JsonSubTypes.Type(LookupRequest.class)})
public sealed interface PrewarmEntry permits PrewarmEntry.Campaign, LookupRequest {

    /**
     * {@code {"phone_number": "+1…", "campaign_id": "…"}}, in plaintext: the one message that may
     * hold a full number, which is why its topic keeps it less than a day.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    // Read as itself, not by the type deduction it would inherit (see Reader).
    @JsonTypeInfo(use = JsonTypeInfo.Id.NONE)
    record Campaign(@JsonProperty("phone_number") String phoneNumber,
            @JsonProperty("campaign_id") String campaignId) implements PrewarmEntry {

        @Override
        public String toString() {
            // Records print their fields; this one must never print the number.
            return "PrewarmEntry.Campaign[campaignId=" + campaignId + "]";
        }
    }

    /**
     * Reads an entry by the field that decides, wherever it stands: {@code phone_number} makes a
     * campaign entry, else {@code number_hash} a re-check. Not Jackson's type deduction, which
     * decides on the first field only one type has, in the order they come: a campaign tool that
     * also sent a field a re-check has ({@code client}, {@code request_id}) before the number
     * would have its entry read as a re-check without one, and skipped.
     */
    final class Reader extends ValueDeserializer<PrewarmEntry> {

        @Override
        public PrewarmEntry deserialize(JsonParser parser, DeserializationContext context) {
            JsonNode entry = context.readTree(parser);
            boolean recheck = entry.isObject() && !entry.has("phone_number") && entry.has("number_hash");
            return recheck ? context.readTreeAsValue(entry, LookupRequest.class)
                    : context.readTreeAsValue(entry, Campaign.class);
        }

        /** The type deduction the annotation declares for writing is not used for reading. */
        @Override
        public Object deserializeWithType(JsonParser parser, DeserializationContext context, TypeDeserializer types) {
            return deserialize(parser, context);
        }
    }
}
