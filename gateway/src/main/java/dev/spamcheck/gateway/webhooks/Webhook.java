package dev.spamcheck.gateway.webhooks;

import java.time.Instant;
import java.util.List;

/** A subscription as stored, without its secret. */
record Webhook(String id, String url, List<String> events, String campaignId, boolean includePhoneNumber,
        Instant createdAt) {
}
