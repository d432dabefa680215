package dev.spamcheck.worker.ratelimit;

import java.time.Duration;
import java.time.Instant;

/**
 * The account-wide rate as Twilio's rate-limit answers leave it: each 429 halves it (at most once
 * per window, so one burst of 429s counts once), never below {@code floor}; it then climbs back by
 * itself, {@link #RECOVERY_PER_SECOND} calls per second for every second since the last cut, to
 * the configured {@code ceiling}. Additive increase, multiplicative decrease, kept in the
 * database as the last cut (a rate and when it was made), so every worker sees the same rate.
 *
 * @param ceiling the configured rate ({@code spamcheck.twilio.rate})
 * @param floor the lowest rate a cut can leave
 */
record AdaptiveRate(double ceiling, double floor) {

    static final double RECOVERY_PER_SECOND = 1.0;

    /**
     * The rate now.
     *
     * @param cut the rate the last cut left, or null when there was none
     * @param cutAt when that cut was made
     */
    double at(Instant now, Double cut, Instant cutAt) {
        if (cut == null) {
            return ceiling;
        }
        double seconds = Math.max(0, Duration.between(cutAt, now).toNanos() / 1e9);
        return Math.min(ceiling, cut + seconds * RECOVERY_PER_SECOND);
    }

    /**
     * The rate after a rate-limit answer, or null when the last cut is younger than a window: the
     * answers of one burst cut once.
     */
    Double cut(Instant now, Double cut, Instant cutAt) {
        if (cut != null && cutAt.isAfter(now.minus(AccountRateLimiter.WINDOW))) {
            return null;
        }
        return Math.max(floor, at(now, cut, cutAt) / 2);
    }

    /** Calls allowed per window at this rate: whole calls, at least one. */
    static int callsPerWindow(double rate) {
        return Math.max(1, (int) Math.floor(rate));
    }
}
