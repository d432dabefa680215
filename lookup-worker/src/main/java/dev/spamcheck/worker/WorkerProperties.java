package dev.spamcheck.worker;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * lookup-worker's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param lookupConcurrency lookup requests (of different numbers) processed at once by this instance:
 *        how many Twilio calls one instance may have in flight, so it must exceed the number of
 *        slow numbers that may be in flight at once
 * @param prewarmConcurrency prewarm entries processed at once by this instance
 * @param lookupBudget how long an interactive lookup may take here, retries and rate-limit waits
 *        included; keep it below the gateway's lookup timeout
 * @param prewarmBudget the same for a prewarm entry, which may wait for rate budget much longer
 * @param twilio the Twilio account, endpoint and how it is protected
 */
@ConfigurationProperties("spamcheck")
public record WorkerProperties(
        @DefaultValue("64") int lookupConcurrency,
        @DefaultValue("16") int prewarmConcurrency,
        @DefaultValue("PT4.5S") Duration lookupBudget,
        @DefaultValue("PT60S") Duration prewarmBudget,
        @DefaultValue Twilio twilio) {

    /**
     * @param accountSid the Twilio account, also read from {@code TWILIO_ACCOUNT_SID}; required
     * @param authToken its auth token (Basic auth, never logged), also read from {@code TWILIO_AUTH_TOKEN}; required
     * @param baseUrl Twilio Lookup, also read from {@code TWILIO_LOOKUP_BASE_URL}: {@code https://}, or
     *        plain {@code http://} on loopback only (a stub)
     * @param timeout how long one call may take
     * @param rate calls per second for the whole account, all workers together
     * @param interactiveReserve calls per second prewarm leaves free for interactive lookups
     * @param maxRetries retries after the first attempt
     * @param retryBaseDelay the first back-off; each further one doubles, with full jitter
     * @param retryMaxDelay the longest back-off
     * @param dailyCallLimit Twilio calls per UTC day for the whole account, all workers together; 0 for no limit
     * @param circuit when to stop calling a failing Twilio
     */
    public record Twilio(
            String accountSid,
            String authToken,
            @DefaultValue("https://lookups.twilio.com") URI baseUrl,
            @DefaultValue("PT4S") Duration timeout,
            @DefaultValue("25") int rate,
            @DefaultValue("2") int interactiveReserve,
            @DefaultValue("3") int maxRetries,
            @DefaultValue("PT0.1S") Duration retryBaseDelay,
            @DefaultValue("PT2S") Duration retryMaxDelay,
            @DefaultValue("10000") int dailyCallLimit,
            @DefaultValue Circuit circuit) {

        @Override
        public String toString() {
            // Never print the credentials, e.g. in a binding failure report.
            return "Twilio[baseUrl=" + baseUrl + ", timeout=" + timeout + ", rate=" + rate + ", dailyCallLimit="
                    + dailyCallLimit + "]";
        }
    }

    /**
     * @param failureRateThreshold percentage of failed calls that opens the circuit
     * @param slidingWindowSize calls the failure rate is measured over
     * @param minimumCalls calls needed before the rate counts
     * @param openFor how long an open circuit answers at once, without calling Twilio, before letting
     *        three trial calls through; a caller is told what is left of it ({@code Retry-After}). Rate
     *        limits never open it: only timeouts, 5xx and unreachable Twilio do
     */
    public record Circuit(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("50") int slidingWindowSize,
            @DefaultValue("20") int minimumCalls,
            @DefaultValue("PT10S") Duration openFor) {
    }

    @Override
    public String toString() {
        return "WorkerProperties[lookupConcurrency=" + lookupConcurrency + ", twilio=" + twilio + "]";
    }
}
