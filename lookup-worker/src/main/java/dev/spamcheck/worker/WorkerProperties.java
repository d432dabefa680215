package dev.spamcheck.worker;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.worker.provider.VerdictPolicy;
import dev.spamcheck.worker.twilio.LookupAddOn;

/**
 * lookup-worker's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param lookupConcurrency lookup requests (of different numbers) processed at once by this instance:
 *        how many Twilio calls one instance may have in flight, so it must exceed the number of
 *        slow numbers that may be in flight at once
 * @param prewarmConcurrency prewarm entries processed at once by this instance (at least 1)
 * @param lookupBudget how long an interactive lookup may take here, retries and rate-limit waits
 *        included, at least 1 s; keep it below the gateway's lookup timeout
 * @param prewarmBudget the same for a prewarm entry (at least 1 s), which may wait for rate budget
 *        much longer; the batches of the worker's two prewarm consumers, 64 entries each, taken
 *        {@code prewarm-concurrency} at a time, each at most this, must end within 10 minutes
 *        (the consumer's 15-minute poll interval, less room to commit), e.g. at most 75 s at the
 *        default concurrency
 * @param prewarmRetryFor how long a prewarm entry that Twilio keeps failing on (timeouts, 5xx, no
 *        connection) holds its batch and is asked about again before its failure is published and
 *        the entries after it go on; failures of the whole account (the circuit open, credentials
 *        refused, rate limited), the daily call limit and Kafka not taking a paid answer's result
 *        in a way that may pass hold it however long they last
 * @param twilio the Twilio account, endpoint and how it is protected
 * @param providers what each reputation provider is asked for
 * @param verdict how the sources' verdicts make the spam score
 */
@ConfigurationProperties("spamcheck")
public record WorkerProperties(
        @DefaultValue("64") int lookupConcurrency,
        @DefaultValue("16") int prewarmConcurrency,
        @DefaultValue("PT4.5S") Duration lookupBudget,
        @DefaultValue("PT60S") Duration prewarmBudget,
        @DefaultValue("PT1H") Duration prewarmRetryFor,
        @DefaultValue Twilio twilio,
        @DefaultValue Providers providers,
        @DefaultValue Verdict verdict) {

    public WorkerProperties {
        List<LookupAddOn> addOns = providers.twilio().addOns();
        if (addOns.isEmpty()) {
            throw new InvalidConfigurationException("spamcheck.providers.twilio.add-ons names no add-on");
        }
        if (addOns.stream().distinct().count() < addOns.size()) {
            throw new InvalidConfigurationException("spamcheck.providers.twilio.add-ons names an add-on twice");
        }
        if (verdict.policy() == VerdictPolicy.NOMOROBO && !addOns.contains(LookupAddOn.NOMOROBO_SPAMSCORE)) {
            throw new InvalidConfigurationException("spamcheck.verdict.policy nomorobo needs nomorobo_spamscore "
                    + "in spamcheck.providers.twilio.add-ons");
        }
        if (verdict.policy() == VerdictPolicy.THRESHOLD && addOns.stream().noneMatch(LookupAddOn::grades)) {
            throw new InvalidConfigurationException("spamcheck.verdict.policy threshold needs an add-on that grades "
                    + "(nomorobo_spamscore, icehook_scout or truecnam_truespam)");
        }
        Telnyx telnyx = providers.telnyx();
        if (telnyx.sample() < 0 || telnyx.sample() > 1 || telnyx.rate() < 1 || telnyx.dailyCallLimit() < 0) {
            throw new InvalidConfigurationException("spamcheck.providers.telnyx: sample must be from 0 to 1, rate "
                    + "at least 1 and daily-call-limit at least 0");
        }
        if (verdict.threshold() < 0 || verdict.threshold() > 100) {
            throw new InvalidConfigurationException("spamcheck.verdict.threshold must be from 0 to 100");
        }
        // Below it no lookup could ever call Twilio: every interactive one would be 503, and every
        // prewarm entry held and delivered again for ever (its time ran out before any call).
        if (lookupBudget.compareTo(MIN_BUDGET) < 0 || prewarmBudget.compareTo(MIN_BUDGET) < 0) {
            throw new InvalidConfigurationException("spamcheck.lookup-budget and spamcheck.prewarm-budget must be at "
                    + "least " + MIN_BUDGET.toMillis() + " ms");
        }
        if (lookupConcurrency < 1 || prewarmConcurrency < 1) {
            throw new InvalidConfigurationException("spamcheck.lookup-concurrency and spamcheck.prewarm-concurrency "
                    + "must be at least 1");
        }
        // A batch that outlasts the poll interval costs the worker its partitions, and the batch is
        // delivered again elsewhere, outlasting it again: the backlog would never move. Each
        // consumer's batch shares the prewarm-concurrency threads with the other's, first come
        // first served, so a batch's last entry may start after all of both.
        int entries = PREWARM_CONSUMERS * PREWARM_BATCH;
        int rounds = (entries + prewarmConcurrency - 1) / prewarmConcurrency;
        if (prewarmBudget.multipliedBy(rounds).compareTo(PREWARM_BATCH_AT_MOST) > 0) {
            throw new InvalidConfigurationException("spamcheck.prewarm-budget " + prewarmBudget + " times the "
                    + rounds + " rounds the " + entries + " entries of " + PREWARM_CONSUMERS + " consumers' batches "
                    + "take at spamcheck.prewarm-concurrency " + prewarmConcurrency + " may exceed "
                    + PREWARM_BATCH_AT_MOST.toMinutes() + " minutes: at most "
                    + PREWARM_BATCH_AT_MOST.dividedBy(rounds).toSeconds() + " s");
        }
    }

    /** Prewarm entries taken from the topic at a time (the consumer's {@code max.poll.records}). */
    public static final int PREWARM_BATCH = 64;
    /** The prewarm topic's consumers in each worker, whose batches share its prewarm-concurrency threads. */
    public static final int PREWARM_CONSUMERS = 2;
    /** How long a prewarm batch may take before its consumer counts as gone (its {@code max.poll.interval.ms}). */
    public static final int PREWARM_POLL_INTERVAL_MS = 900_000;
    /** The longest a batch may take by the settings: the poll interval, less room to commit and poll again. */
    static final Duration PREWARM_BATCH_AT_MOST = Duration.ofMinutes(10);

    /** Room for one attempt (TwilioLookups.MIN_ATTEMPT) and what comes before it: the claim, the rate. */
    static final Duration MIN_BUDGET = Duration.ofSeconds(1);

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
     * @param dailyInteractiveReserve the share of {@code daily-call-limit} that bulk work (prewarm entries,
     *        nightly re-checks) leaves to interactive lookups, from 0 to 0.9: bulk work waits for the next UTC
     *        day once the day's calls reach the rest, so a large campaign or night cannot refuse callers
     *        for the rest of the day
     * @param circuit when to stop calling a failing Twilio
     * @param clientWeights while the rate is contended, the interactive calls each API token (by its
     *        id, {@code tok_...}) gets per turn, from 1 to 100; a token not named gets 1. Tokens
     *        waiting for calls take turns, so each gets its weight's share of them (YAML, or
     *        {@code spamcheck.twilio.client-weights[tok_...]=3}: environment variables cannot carry
     *        a token id as a key)
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
            @DefaultValue("0.2") double dailyInteractiveReserve,
            @DefaultValue Circuit circuit,
            Map<String, Integer> clientWeights) {

        public Twilio {
            if (!(dailyInteractiveReserve >= 0 && dailyInteractiveReserve <= 0.9)) {
                throw new InvalidConfigurationException("spamcheck.twilio.daily-interactive-reserve must be from 0 to 0.9");
            }
            clientWeights = clientWeights == null ? Map.of() : Map.copyOf(clientWeights);
            if (clientWeights.values().stream().anyMatch(weight -> weight < 1 || weight > 100)) {
                throw new InvalidConfigurationException("spamcheck.twilio.client-weights must each be from 1 to 100");
            }
        }

        /** The interactive calls per turn of an API token ({@code clientWeights}). */
        public int weightOf(String client) {
            return clientWeights.getOrDefault(client, 1);
        }

        @Override
        public String toString() {
            // Never print the credentials, e.g. in a binding failure report.
            return "Twilio[baseUrl=" + baseUrl + ", timeout=" + timeout + ", rate=" + rate + ", dailyCallLimit="
                    + dailyCallLimit + ", dailyInteractiveReserve=" + dailyInteractiveReserve + "]";
        }
    }

    /**
     * @param failureRateThreshold percentage of failed calls that opens the circuit
     * @param slidingWindowSize calls the failure rate is measured over
     * @param minimumCalls calls needed before the rate counts
     * @param openFor how long an open circuit answers at once, without calling Twilio, before letting
     *        three trial calls through; a caller is told what is left of it ({@code Retry-After}). Rate
     *        limits never open it; timeouts, 5xx, unreachable Twilio, unreadable answers and a 404 that
     *        is not Twilio's do (refused credentials pause every client's calls for a minute instead),
     *        but not the timeout of a call its lookup's deadline gave less than a second (and less than
     *        {@code spamcheck.twilio.timeout}, and than what its caller's wait gave the lookup, less
     *        0.5 s: the wait less 0.25 s to deliver the answer, at most {@code spamcheck.lookup-budget},
     *        or {@code spamcheck.prewarm-budget} for bulk work)
     */
    public record Circuit(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("50") int slidingWindowSize,
            @DefaultValue("20") int minimumCalls,
            @DefaultValue("PT10S") Duration openFor) {
    }

    /**
     * @param twilio what the Twilio Lookup v1 provider asks for
     * @param telnyx Telnyx Number Reputation, the second provider, asked in shadow mode
     */
    public record Providers(@DefaultValue TwilioAddOns twilio, @DefaultValue Telnyx telnyx) {
    }

    /**
     * @param mode {@code off}, or {@code shadow}: asked for a sample of the numbers Twilio scored,
     *        its verdict compared with the answer given and never changing it
     * @param apiKey the Telnyx API key (sent as a Bearer token, never logged), also read from
     *        {@code TELNYX_API_KEY}; required in shadow mode
     * @param baseUrl the Telnyx API, also read from {@code TELNYX_BASE_URL}: {@code https://}, or
     *        plain {@code http://} on loopback only (a stub)
     * @param sample the share of the numbers Twilio scored that Telnyx is asked about, from 0 to 1
     * @param rate Telnyx calls per second at most, per worker; numbers sampled beyond it are skipped
     * @param dailyCallLimit Telnyx calls per UTC day, all workers together; 0 for no limit
     * @param timeout how long one call may take; a shadow call is never retried
     */
    public record Telnyx(
            @DefaultValue("off") ShadowMode mode,
            String apiKey,
            @DefaultValue("https://api.telnyx.com") URI baseUrl,
            @DefaultValue("0.1") double sample,
            @DefaultValue("2") int rate,
            @DefaultValue("1000") int dailyCallLimit,
            @DefaultValue("PT4S") Duration timeout) {

        @Override
        public String toString() {
            // Never print the key, e.g. in a binding failure report.
            return "Telnyx[mode=" + mode + ", baseUrl=" + baseUrl + ", sample=" + sample + ", rate=" + rate
                    + ", dailyCallLimit=" + dailyCallLimit + "]";
        }
    }

    /** Whether a second provider is asked at all. */
    public enum ShadowMode {
        OFF,
        SHADOW
    }

    /**
     * @param addOns the Lookup v1 add-ons asked for in each paid call, comma-separated:
     *        {@code nomorobo_spamscore}, {@code icehook_scout}, {@code marchex_cleancall},
     *        {@code truecnam_truespam}; each must be installed on the Twilio account
     */
    public record TwilioAddOns(@DefaultValue("nomorobo_spamscore") List<LookupAddOn> addOns) {

        public TwilioAddOns {
            addOns = List.copyOf(addOns);
        }
    }

    /**
     * @param policy how the sources make {@code spam_score}: {@code nomorobo} (Nomorobo's verdict
     *        alone), {@code any} (any source flags), {@code majority} (more flag than clear) or
     *        {@code threshold} (the combined risk reaches the threshold); see docs/api.md
     * @param threshold the combined risk (0 to 100) from which {@code threshold} flags a number
     */
    public record Verdict(
            @DefaultValue("nomorobo") VerdictPolicy policy,
            @DefaultValue("70") int threshold) {
    }

    @Override
    public String toString() {
        return "WorkerProperties[lookupConcurrency=" + lookupConcurrency + ", twilio=" + twilio + "]";
    }
}
