package dev.spamcheck.gateway.problem;

import java.time.Duration;

/**
 * An error answer the gateway gives on purpose. The detail is shown to callers, so it never
 * holds a phone number.
 */
public class ApiException extends RuntimeException {

    private final ErrorCode errorCode;
    private final Duration retryAfter;

    public ApiException(ErrorCode errorCode, String detail) {
        this(errorCode, detail, null);
    }

    public ApiException(ErrorCode errorCode, String detail, Duration retryAfter) {
        super(detail, null, false, false);
        this.errorCode = errorCode;
        this.retryAfter = retryAfter;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    /** When set, answered as {@code Retry-After} in whole seconds. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
