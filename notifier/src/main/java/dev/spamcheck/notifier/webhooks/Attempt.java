package dev.spamcheck.notifier.webhooks;

import java.time.Duration;
import java.time.Instant;

/**
 * How one attempt went: the receiver's status (null when it never answered) and, when it failed,
 * why in a few words that never quote the receiver's body.
 *
 * @param retryAfter the receiver's {@code Retry-After}, null when none
 */
record Attempt(Instant startedAt, Duration duration, Integer statusCode, String error, Duration retryAfter) {

    boolean succeeded() {
        return error == null;
    }

    static Attempt answered(Instant startedAt, Duration duration, int statusCode, Duration retryAfter) {
        boolean ok = statusCode >= 200 && statusCode < 300;
        return new Attempt(startedAt, duration, statusCode, ok ? null : "HTTP " + statusCode, ok ? null : retryAfter);
    }

    static Attempt failed(Instant startedAt, Duration duration, String error) {
        return new Attempt(startedAt, duration, null, error, null);
    }
}
