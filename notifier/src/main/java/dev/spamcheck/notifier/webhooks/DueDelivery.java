package dev.spamcheck.notifier.webhooks;

import java.time.Instant;

/** A delivery claimed for one attempt, with what sending it needs. */
record DueDelivery(
        long id,
        int attempt,
        String eventId,
        String eventType,
        Instant occurredAt,
        String numberHash,
        String numberLast4,
        String numberCiphertext,
        String campaignId,
        Integer previousScore,
        int spamScore,
        Instant checkedAt,
        String webhookId,
        String url,
        String secretCiphertext,
        boolean includePhoneNumber) {

    @Override
    public String toString() {
        return "DueDelivery[id=" + id + ", attempt=" + attempt + ", webhook=" + webhookId + "]";
    }
}
