package dev.spamcheck.gateway.problem;

import java.time.Duration;
import java.util.Set;

import org.springframework.http.HttpMethod;

/**
 * An error answer the gateway gives on purpose. The detail is shown to callers, so it never
 * holds a phone number or a token.
 */
public class ApiException extends RuntimeException {

    private final ErrorCode errorCode;
    private final Duration retryAfter;
    private final Set<HttpMethod> allow;

    public ApiException(ErrorCode errorCode, String detail) {
        this(errorCode, detail, null);
    }

    public ApiException(ErrorCode errorCode, String detail, Duration retryAfter) {
        this(errorCode, detail, retryAfter, null);
    }

    private ApiException(ErrorCode errorCode, String detail, Duration retryAfter, Set<HttpMethod> allow) {
        super(detail, null, false, false);
        this.errorCode = errorCode;
        this.retryAfter = retryAfter;
        this.allow = allow;
    }

    /** The same problem, answered with {@code Allow} listing the methods the path takes. */
    ApiException withAllow(Set<HttpMethod> methods) {
        return methods.isEmpty() ? this : new ApiException(errorCode, getMessage(), retryAfter, Set.copyOf(methods));
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    /** When set, answered as {@code Retry-After} in whole seconds. */
    public Duration retryAfter() {
        return retryAfter;
    }

    Set<HttpMethod> allow() {
        return allow;
    }
}
