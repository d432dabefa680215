package dev.spamcheck.gateway.problem;

import org.springframework.http.HttpStatus;

/** The stable {@code code} of every error response; the table is in docs/api.md. */
public enum ErrorCode {
    INVALID_PHONE_NUMBER(HttpStatus.BAD_REQUEST, "Invalid phone number"),
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "Invalid request"),
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "Unauthorized"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "Forbidden"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Payload too large"),
    URI_TOO_LONG(HttpStatus.URI_TOO_LONG, "URI too long"),
    HEADERS_TOO_LARGE(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large"),
    REQUEST_TIMEOUT(HttpStatus.REQUEST_TIMEOUT, "Request timeout"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    PHONE_NUMBER_NOT_FOUND(HttpStatus.UNPROCESSABLE_CONTENT, "Phone number not found"),
    TOO_MANY_REQUESTS(HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    BUDGET_EXHAUSTED(HttpStatus.TOO_MANY_REQUESTS, "Daily lookup budget exhausted"),
    SERVICE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    private final HttpStatus status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The value of the {@code code} member, e.g. {@code invalid_phone_number}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
