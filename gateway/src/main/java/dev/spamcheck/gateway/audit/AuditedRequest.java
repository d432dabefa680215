package dev.spamcheck.gateway.audit;

import java.time.Instant;

import org.springframework.web.server.ServerWebExchange;

/**
 * What the audit trail learns about one request while it is handled: each concern fills in what
 * it knows (the client address, the token, the masked number, the outcome). Never holds a full
 * number or a token.
 */
public final class AuditedRequest {

    private static final String ATTRIBUTE = AuditedRequest.class.getName();

    private final Instant receivedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    private volatile String clientIp;
    private volatile String tokenId;
    private volatile String numberLast4;
    private volatile String campaignId;
    private volatile String outcome;
    private volatile String errorCode;
    private volatile boolean recorded;

    public static AuditedRequest of(ServerWebExchange exchange) {
        AuditedRequest request = exchange.getAttribute(ATTRIBUTE);
        if (request == null) {
            request = new AuditedRequest();
            exchange.getAttributes().put(ATTRIBUTE, request);
        }
        return request;
    }

    public void clientIp(String clientIp) {
        this.clientIp = clientIp;
    }

    public void tokenId(String tokenId) {
        this.tokenId = tokenId;
    }

    public void number(String last4, String campaignId) {
        this.numberLast4 = last4;
        this.campaignId = campaignId;
    }

    /** For successful lookups: {@code hit} or {@code miss}. */
    public void outcome(String outcome) {
        this.outcome = outcome;
    }

    public void errorCode(String errorCode) {
        this.errorCode = errorCode;
    }

    Instant receivedAt() {
        return receivedAt;
    }

    long latencyMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    String clientIp() {
        return clientIp;
    }

    String tokenId() {
        return tokenId;
    }

    String numberLast4() {
        return numberLast4;
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

    /** Marks the request recorded; true only the first time, so each request is audited once. */
    boolean markRecorded() {
        synchronized (this) {
            if (recorded) {
                return false;
            }
            recorded = true;
            return true;
        }
    }
}
