package dev.spamcheck.gateway.audit;

import java.time.Instant;

import org.springframework.web.server.ServerWebExchange;

/**
 * What the audit trail learns about one exchange while it is handled: authentication names the
 * token, a handler the masked number (and its hash, for campaign health), its campaign and
 * whether the answer came from the cache.
 * Never holds a full number or a token. Filling it in is optional: the audit filter records
 * every exchange whether or not anyone did.
 */
public final class AuditedRequest {

    private static final String ATTRIBUTE = AuditedRequest.class.getName();

    private final Instant receivedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    private volatile String tokenId;
    private volatile String numberLast4;
    private volatile String numberHash;
    private volatile String campaignId;
    private volatile String outcome;
    private volatile String errorCode;
    private boolean recorded;

    static AuditedRequest start(ServerWebExchange exchange) {
        AuditedRequest request = new AuditedRequest();
        exchange.getAttributes().put(ATTRIBUTE, request);
        return request;
    }

    public static AuditedRequest of(ServerWebExchange exchange) {
        AuditedRequest request = exchange.getAttribute(ATTRIBUTE);
        return request == null ? start(exchange) : request;
    }

    public void tokenId(String tokenId) {
        this.tokenId = tokenId;
    }

    public void number(String last4, String campaignId) {
        number(last4, null, campaignId);
    }

    public void number(String last4, String hash, String campaignId) {
        this.numberLast4 = last4;
        this.numberHash = hash;
        this.campaignId = campaignId;
    }

    /** For successful lookups: {@code hit} or {@code miss}. */
    public void outcome(String outcome) {
        this.outcome = outcome;
    }

    void errorCode(String errorCode) {
        this.errorCode = errorCode;
    }

    Instant receivedAt() {
        return receivedAt;
    }

    long latencyMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    String tokenId() {
        return tokenId;
    }

    String numberLast4() {
        return numberLast4;
    }

    String numberHash() {
        return numberHash;
    }

    String campaignId() {
        return campaignId;
    }

    String outcome() {
        return outcome;
    }

    String errorCode() {
        return errorCode;
    }

    /** Marks the exchange recorded; true only the first time, so each exchange is audited once. */
    synchronized boolean markRecorded() {
        if (recorded) {
            return false;
        }
        recorded = true;
        return true;
    }
}
