package dev.spamcheck.worker.twilio;

/** What one Twilio Lookup call told us. */
public sealed interface TwilioAnswer {

    /** The Nomorobo add-on scored the number: 1 is spam. */
    record Scored(int spamScore) implements TwilioAnswer {
    }

    /** Twilio answered 404 (error 20404): it does not know the number. */
    record NotFound() implements TwilioAnswer {
    }

    /**
     * No answer now. {@code errorCode} says why (e.g. {@code addon_failed},
     * {@code twilio_http_500}) and goes into the lookup result.
     */
    record Unavailable(String errorCode) implements TwilioAnswer {
    }
}
