package dev.spamcheck.archiver;

import java.math.BigDecimal;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The archiver's {@code spamcheck.*} settings; documented in the README's configuration table.
 *
 * @param hashKey {@code SPAMCHECK_HASH_KEY}
 * @param encryptionKeys {@code SPAMCHECK_ENCRYPTION_KEYS}: key rotation re-encrypts under the first
 * @param archiveAfter check results older than this move from lookup_results to lookup_history
 * @param purgeAfter history, audit rows and cached answers older than this are deleted
 * @param nightly when the nightly job runs and what it re-checks
 * @param archive how the job and key rotation move, delete and re-encrypt rows
 * @param twilio what a lookup costs, for the job's report
 * @param kafka topic settings
 * @param webhooks how reputation changes are delivered to webhook subscriptions
 */
@ConfigurationProperties("spamcheck")
public record ArchiverProperties(
        String hashKey,
        String encryptionKeys,
        @DefaultValue("P30D") Duration archiveAfter,
        @DefaultValue("P365D") Duration purgeAfter,
        @DefaultValue Nightly nightly,
        @DefaultValue Archive archive,
        @DefaultValue Twilio twilio,
        @DefaultValue Kafka kafka,
        @DefaultValue Webhooks webhooks) {

    /**
     * @param cron when the scheduler triggers the job (Spring cron: second minute hour day month weekday)
     * @param zone the time zone of the cron and of the job date
     * @param activeWithin only numbers requested within this are re-checked
     * @param recheckOlderThan only numbers last checked longer ago than this are re-checked
     * @param maxRechecks at most this many re-checks a night
     * @param retryInitialInterval a failed job is retried after this, then after twice as long each time
     * @param retryMaxInterval up to this
     */
    public record Nightly(
            @DefaultValue("0 0 2 * * *") String cron,
            @DefaultValue("UTC") String zone,
            @DefaultValue("P30D") Duration activeWithin,
            @DefaultValue("PT24H") Duration recheckOlderThan,
            @DefaultValue("10000") int maxRechecks,
            @DefaultValue("PT5S") Duration retryInitialInterval,
            @DefaultValue("PT5M") Duration retryMaxInterval) {
    }

    /**
     * @param batchSize rows moved or deleted per statement
     * @param pauseBetweenBatches a breather for the database between batches
     */
    public record Archive(@DefaultValue("1000") int batchSize, @DefaultValue("PT0S") Duration pauseBetweenBatches) {
    }

    /** @param pricePerLookup the price of one Twilio lookup with the Nomorobo add-on, in USD */
    public record Twilio(@DefaultValue("0.008") BigDecimal pricePerLookup) {
    }

    /** @param partitions partitions of the topics this service creates when they are missing */
    public record Kafka(@DefaultValue("12") int partitions) {
    }

    /**
     * @param pollInterval how often due deliveries are looked for (a new change is sent at once)
     * @param connectTimeout a receiver that does not accept the connection within this failed the attempt
     * @param timeout a receiver that has not answered within this failed the attempt
     * @param retryInitialInterval the first retry waits about this (jittered), each next one twice as long
     * @param retryMaxInterval up to this, or longer when the receiver's Retry-After says so
     * @param retryFor a delivery still failing this long after the change is dead-lettered
     * @param maxInFlight attempts in flight at once, per archiver
     * @param maxInFlightPerWebhook attempts in flight at once to one subscription, so a slow receiver
     *        holds only these and never the others'
     * @param keepFinishedFor delivered and dead deliveries are kept this long for the delivery log
     */
    public record Webhooks(
            @DefaultValue("PT1S") Duration pollInterval,
            @DefaultValue("PT5S") Duration connectTimeout,
            @DefaultValue("PT10S") Duration timeout,
            @DefaultValue("PT10S") Duration retryInitialInterval,
            @DefaultValue("PT1H") Duration retryMaxInterval,
            @DefaultValue("PT24H") Duration retryFor,
            @DefaultValue("256") int maxInFlight,
            @DefaultValue("4") int maxInFlightPerWebhook,
            @DefaultValue("P30D") Duration keepFinishedFor) {
    }

    @Override
    public String toString() {
        // Never print the keys, e.g. in a binding failure report.
        return "ArchiverProperties[archiveAfter=" + archiveAfter + ", purgeAfter=" + purgeAfter + ", nightly=" + nightly
                + ", archive=" + archive + "]";
    }
}
