package dev.spamcheck.notifier.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

import io.github.resilience4j.core.IntervalFunction;

/**
 * When a failed delivery is tried again: exponential back-off with jitter (±50%, so receivers
 * coming back from an outage are not hit by every sender at once), never sooner than the
 * receiver's {@code Retry-After}, and within {@code retryFor} from the change: a back-off that
 * would pass its end makes one last try at the end; a try at the end, or a {@code Retry-After}
 * past it, leaves the delivery dead.
 */
record RetryPolicy(Duration initialInterval, Duration maxInterval, Duration retryFor) {

    private static final double JITTER = 0.5;

    /**
     * When to try again after {@code attempt} (1 for the first) failed, or null when the delivery
     * is dead.
     *
     * @param retryAfter the receiver's {@code Retry-After}, null when it sent none
     */
    Instant nextAttempt(int attempt, Instant changedAt, Instant now, Duration retryAfter) {
        // Capped first, then jittered: resilience4j's random back-off caps after its jitter, so
        // from the cap on every wait would be exactly the cap, and failing deliveries in step.
        long capped = IntervalFunction.ofExponentialBackoff(initialInterval.toMillis(), 2.0, maxInterval.toMillis())
                .apply(attempt);
        Duration wait = Duration.ofMillis(Math.round(capped * (1 - JITTER + 2 * JITTER * ThreadLocalRandom.current()
                .nextDouble())));
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        Instant next = now.plus(wait);
        Instant end = changedAt.plus(retryFor);
        if (!next.isAfter(end)) {
            return next;
        }
        boolean heldOffByReceiver = retryAfter != null && now.plus(retryAfter).isAfter(end);
        return heldOffByReceiver || !now.isBefore(end) ? null : end;
    }

    /**
     * The wait a {@code Retry-After} header asks for, in delta-seconds or as an HTTP date; null when
     * it is absent or unreadable (then the back-off alone decides).
     */
    static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        if (value.chars().allMatch(Character::isDigit) && value.length() <= 9) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
        }
        catch (DateTimeParseException ex) {
            return null;
        }
    }
}
