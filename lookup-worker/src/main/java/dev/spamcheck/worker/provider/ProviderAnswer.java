package dev.spamcheck.worker.twilio;

import java.time.Duration;

/** What Twilio told us about a number, after one call or after all retries. */
public sealed interface TwilioAnswer {

    /** The Nomorobo add-on scored the number: 1 is spam. */
    record Scored(int spamScore) implements TwilioAnswer {
    }

    /** Twilio answered 404 (error 20404): it does not know the number. */
    record NotFound() implements TwilioAnswer {
    }

    /**
     * No answer now. {@code errorCode} says why (e.g. {@code addon_failed}, {@code twilio_http_500})
     * and goes into the lookup result.
     *
     * @param retryable whether asking again may help (rate limits, 5xx, timeouts, broken answers)
     * @param failure whether it counts against Twilio's health for the circuit breaker
     * @param retryAfter Twilio's {@code Retry-After}, when it sent one
     */
    record Unavailable(String errorCode, boolean retryable, boolean failure, Duration retryAfter)
            implements TwilioAnswer {

        public static Unavailable permanent(String errorCode) {
            return new Unavailable(errorCode, false, false, null);
        }
    }

    default boolean retryable() {
        return this instanceof Unavailable unavailable && unavailable.retryable();
    }
}
