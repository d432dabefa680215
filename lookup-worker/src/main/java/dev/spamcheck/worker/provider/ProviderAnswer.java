package dev.spamcheck.worker.provider;

import java.time.Duration;
import java.util.List;

import dev.spamcheck.schemas.topic.SourceVerdict;

/** What a provider told us about a number, after one call or after all retries. */
public sealed interface ProviderAnswer {

    /**
     * The provider answered: one verdict per source it was asked for (a Twilio add-on each), some
     * perhaps unknown. The verdict policy makes the spam score of them.
     */
    record Answered(List<SourceVerdict> sources) implements ProviderAnswer {

        public Answered {
            sources = List.copyOf(sources);
        }
    }

    /** The provider does not know the number (Twilio: HTTP 404, error 20404). */
    record NotFound() implements ProviderAnswer {
    }

    /**
     * No answer now. {@code errorCode} says why (e.g. {@code twilio_http_500}, {@code twilio_timeout})
     * and goes into the lookup result.
     *
     * @param retryable whether asking again at once may help and costs nothing more (rate limits,
     *        5xx, timeouts; not a 200 whose body was lost, which Twilio bills)
     * @param failure whether it counts against the provider's health for the circuit breaker
     * @param retryAfter the provider's {@code Retry-After}, when it sent one
     */
    record Unavailable(String errorCode, boolean retryable, boolean failure, Duration retryAfter)
            implements ProviderAnswer {

        public static Unavailable permanent(String errorCode) {
            return new Unavailable(errorCode, false, false, null);
        }
    }

    default boolean retryable() {
        return this instanceof Unavailable unavailable && unavailable.retryable();
    }
}
