package dev.spamcheck.archiver;

import java.math.BigDecimal;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The archiver's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param archiveAfter check results older than this move from lookup_results to lookup_history
 * @param purgeAfter history, audit rows and cached answers older than this are deleted, and webhook
 *        subscriptions deleted longer ago than this
 * @param nightly when the nightly job runs and what it re-checks
 * @param archive how the job and key rotation move, delete and re-encrypt rows
 * @param twilio what a lookup costs, for the job's report
 * @param webhooks how long the webhook delivery log is kept
 */
@ConfigurationProperties("spamcheck")
public record ArchiverProperties(
        @DefaultValue("P30D") Duration archiveAfter,
        @DefaultValue("P365D") Duration purgeAfter,
        @DefaultValue Nightly nightly,
        @DefaultValue Archive archive,
        @DefaultValue Twilio twilio,
        @DefaultValue Webhooks webhooks) {

    /**
     * @param cron when the scheduler triggers the job (Spring cron: second minute hour day month
     *        weekday), in {@code spamcheck.nightly.zone}; {@code -} turns the scheduler off
     * @param activeWithin only numbers requested within this are re-checked
     * @param recheckOlderThan only numbers last checked longer ago than this are re-checked
     * @param maxRechecks at most this many re-checks a night
     * @param retryInitialInterval a failed job is retried after this, then after twice as long each time
     * @param retryMaxInterval up to this
     */
    public record Nightly(
            @DefaultValue("0 0 2 * * *") String cron,
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

    /** @param keepFinishedFor delivered and dead webhook deliveries are kept this long for the delivery log */
    public record Webhooks(@DefaultValue("P30D") Duration keepFinishedFor) {
    }
}
