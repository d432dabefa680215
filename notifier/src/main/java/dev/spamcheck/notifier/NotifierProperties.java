package dev.spamcheck.notifier;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * The notifier's own {@code spamcheck.*} settings; those every service reads are in
 * {@link dev.spamcheck.schemas.config.SpamcheckProperties}. The configuration reference
 * (docs/configuration.md) is generated from these descriptions.
 *
 * @param webhooks how reputation changes are delivered to webhook subscriptions
 */
@ConfigurationProperties("spamcheck")
public record NotifierProperties(@DefaultValue Webhooks webhooks) {

    /**
     * The notifier refuses to start with a duration that is not positive, or a limit in flight under 1.
     *
     * @param pollInterval how often due deliveries are looked for (a new change is sent at once)
     * @param connectTimeout a receiver that does not accept the connection within this failed the attempt
     * @param timeout a receiver that has not answered within this failed the attempt
     * @param retryInitialInterval the first retry waits about this (jittered), each next one twice as long;
     *        positive, and at most {@code retry-max-interval}
     * @param retryMaxInterval the back-off grows up to this; each wait is then jittered by ±50% (so up to 1.5
     *        times this), or longer when the receiver's Retry-After says so
     * @param retryFor a delivery still failing this long after the change is dead-lettered
     * @param maxInFlight attempts in flight at once, per notifier; at least 1
     * @param maxInFlightPerWebhook attempts in flight at once to one subscription, so a slow receiver
     *        holds only these and never the others'; at least 1
     * @param allowPrivateNetworks also deliver to receivers whose host resolves to a loopback,
     *        private, link-local or other non-public address ({@code SPAMCHECK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS};
     *        the devstack sets it for receivers on its machine); otherwise such an attempt fails
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
            @DefaultValue("false") boolean allowPrivateNetworks) {

        public Webhooks {
            // Settings that start but deliver nothing: none in flight per subscription would leave every
            // delivery pending for ever, never tried and never dead; a zero retry interval would fail
            // recording every failed attempt, and the lease would send it again and again.
            Duration millisecond = Duration.ofMillis(1);
            if (pollInterval.compareTo(millisecond) < 0 || connectTimeout.compareTo(millisecond) < 0
                    || timeout.compareTo(millisecond) < 0 || retryInitialInterval.compareTo(millisecond) < 0
                    || retryMaxInterval.compareTo(retryInitialInterval) < 0 || retryFor.compareTo(millisecond) < 0
                    || maxInFlight < 1 || maxInFlightPerWebhook < 1) {
                throw new InvalidConfigurationException("spamcheck.webhooks: poll-interval, connect-timeout, timeout, "
                        + "retry-initial-interval and retry-for must be positive, retry-max-interval at least "
                        + "retry-initial-interval, max-in-flight and max-in-flight-per-webhook at least 1");
            }
        }
    }
}
