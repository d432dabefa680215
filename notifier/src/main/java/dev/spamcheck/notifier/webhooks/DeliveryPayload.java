package dev.spamcheck.notifier.webhooks;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import dev.spamcheck.schemas.topic.MessageCodec;

/**
 * The JSON body of a delivery; the contract is in docs/api.md. {@code phone_number} is there only
 * for subscriptions that opted in, decrypted just before sending and never stored.
 */
@JsonPropertyOrder({"id", "type", "occurred_at", "number_last4", "number_hash", "campaign_id", "previous_score",
        "spam_score", "checked_at", "phone_number"})
record DeliveryPayload(
        String id,
        String type,
        @JsonProperty("occurred_at") Instant occurredAt,
        @JsonProperty("number_last4") String numberLast4,
        @JsonProperty("number_hash") String numberHash,
        @JsonProperty("campaign_id") String campaignId,
        @JsonProperty("previous_score") Integer previousScore,
        @JsonProperty("spam_score") int spamScore,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("phone_number") String phoneNumber) {

    static DeliveryPayload of(DueDelivery delivery, String phoneNumber) {
        return new DeliveryPayload(delivery.eventId(), delivery.eventType(), delivery.occurredAt(),
                delivery.numberLast4(), delivery.numberHash(), delivery.campaignId(), delivery.previousScore(),
                delivery.spamScore(), delivery.checkedAt(), phoneNumber);
    }

    byte[] toJson() {
        return MessageCodec.mapper().writeValueAsBytes(this);
    }

    @Override
    public String toString() {
        return "DeliveryPayload[id=" + id + ", type=" + type + "]";
    }
}
