package dev.spamcheck.archiver;

import java.math.BigDecimal;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * The archiver's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param archiveAfter check results older than this move from lookup_results to lookup_history; at
 *        least a day
 * @param purgeAfter history, audit rows and cached answers older than this are deleted, and webhook
 *        subscriptions deleted longer ago than this; at least a day
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

    // A bare number binds as milliseconds: SPAMCHECK_PURGE_AFTER=365 would have the next night
    // delete every audit row, every cached answer and the results topic's copy of each.
    public ArchiverProperties {
        atLeast("spamcheck.archive-after", archiveAfter, Duration.ofDays(1));
        atLeast("spamcheck.purge-after", purgeAfter, Duration.ofDays(1));
    }

    static void atLeast(String name, Duration value, Duration minimum) {
        if (value.compareTo(minimum) < 0) {
            throw new InvalidConfigurationException(name + " is " + value + ", less than " + minimum
                    + "; write durations with their unit, as P365D or 365d (a bare number is milliseconds)");
        }
    }

    /**
     * @param cron when the scheduler triggers the job (Spring cron: second minute hour day month
     *        weekday), in {@code spamcheck.nightly.zone}; {@code -} turns the scheduler off
     * @param activeWithin only numbers requested within this are re-checked
     * @param recheckOlderThan only numbers last checked longer ago than this are re-checked; at least an
     *        hour, and below {@code spamcheck.cache-ttl} taken as that (a fresher answer is not looked up again)
     * @param maxRechecks at most this many re-checks a night; 0 re-checks none. Keep it well within the share of
     *        {@code spamcheck.twilio.daily-call-limit} the workers leave bulk work (with the defaults, 8 000 of
     *        10 000): re-checks past it wait for the next UTC day, and so do campaigns' prewarm entries behind them
     * @param retryInitialInterval a failed job is retried after this, then after twice as long each time
     * @param retryMaxInterval up to this
     */
    public record Nightly(
            @DefaultValue("0 0 2 * * *") String cron,
            @DefaultValue("P30D") Duration activeWithin,
            @DefaultValue("PT24H") Duration recheckOlderThan,
            @DefaultValue("5000") int maxRechecks,
            @DefaultValue("PT5S") Duration retryInitialInterval,
            @DefaultValue("PT5M") Duration retryMaxInterval) {

        public Nightly {
            // Each re-check is a paid lookup: a bare 24 (milliseconds) would re-check every active number.
            atLeast("spamcheck.nightly.recheck-older-than", recheckOlderThan, Duration.ofHours(1));
            if (maxRechecks < 0 || activeWithin.isNegative() || retryInitialInterval.compareTo(Duration.ofMillis(1)) < 0
                    || retryMaxInterval.compareTo(retryInitialInterval) < 0) {
                throw new InvalidConfigurationException("spamcheck.nightly.max-rechecks and active-within must not be "
                        + "negative, and retry-initial-interval must be positive and at most retry-max-interval");
            }
        }
    }

    /**
     * @param batchSize rows moved or deleted per statement, at least 1
     * @param pauseBetweenBatches a breather for the database between batches
     */
    public record Archive(@DefaultValue("1000") int batchSize, @DefaultValue("PT0S") Duration pauseBetweenBatches) {

        public Archive {
            // 0 would move and delete nothing while the job reported itself completed.
            if (batchSize < 1 || pauseBetweenBatches.isNegative()) {
                throw new InvalidConfigurationException("spamcheck.archive.batch-size must be at least 1 and "
                        + "pause-between-batches not negative");
            }
        }
    }

    /** @param pricePerLookup the price of one Twilio lookup with the Nomorobo add-on, in USD */
    public record Twilio(@DefaultValue("0.008") BigDecimal pricePerLookup) {
    }

    /** @param keepFinishedFor delivered and dead webhook deliveries are kept this long for the delivery log; at least a day */
    public record Webhooks(@DefaultValue("P30D") Duration keepFinishedFor) {

        public Webhooks {
            atLeast("spamcheck.webhooks.keep-finished-for", keepFinishedFor, Duration.ofDays(1));
        }
    }
}
