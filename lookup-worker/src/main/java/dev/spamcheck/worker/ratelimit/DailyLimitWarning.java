package dev.spamcheck.worker.ratelimit;

import java.util.Optional;

/**
 * The WARN log lines of the daily call limit, at 80 % and at 100 %. Each call adds one to the
 * shared count, so exactly one call, on one worker, reaches each mark: each line is logged once a
 * day for the whole account.
 */
final class DailyLimitWarning {

    private DailyLimitWarning() {
    }

    /** The line to log now that today's count is {@code calls}, if this call reached a mark. */
    static Optional<String> of(int calls, int limit) {
        if (limit <= 0) {
            return Optional.empty();
        }
        if (calls == limit) {
            return Optional.of("Twilio daily call limit reached: " + calls + " of " + limit
                    + " calls today (UTC); uncached lookups answer budget_exhausted and bulk work waits until tomorrow");
        }
        if (calls == (int) Math.ceil(limit * 0.8) && calls < limit) {
            return Optional.of("Twilio daily call limit 80 % used: " + calls + " of " + limit + " calls today (UTC)");
        }
        return Optional.empty();
    }
}
