package dev.spamcheck.notifier.webhooks;

import java.time.Instant;

/**
 * A delivery claimed for one attempt, with what sending it needs.
 *
 * @param claimedAt the database's clock at the claim
 * @param claimedNanos this machine's {@link System#nanoTime()} then
 */
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
        boolean includePhoneNumber,
        Instant claimedAt,
        long claimedNanos) {

    /**
     * The database's clock now, by the time passed here since the claim: the next attempt is set by
     * it, as the claims that take it up compare it with the database's, whatever this machine's
     * clock says.
     */
    Instant databaseNow() {
        return claimedAt.plusNanos(System.nanoTime() - claimedNanos);
    }

    @Override
    public String toString() {
        return "DueDelivery[id=" + id + ", attempt=" + attempt + ", webhook=" + webhookId + "]";
    }
}
