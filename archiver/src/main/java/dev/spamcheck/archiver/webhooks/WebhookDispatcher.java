package dev.spamcheck.archiver.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends due deliveries: claims as many as there are free slots, sends each asynchronously, and
 * records each outcome with its retry or dead letter. The only sender of webhooks; the fan-out
 * wakes it when it queues a change, the schedule covers retries and other archivers' leases.
 */
@Component
class WebhookDispatcher {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final DeliveryQueue queue;
    private final NumberProtection protection;
    private final ArchiverProperties.Webhooks settings;
    private final RetryPolicy retries;
    private final WebhookSender sender;
    private final Duration lease;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final MeterRegistry meters;

    WebhookDispatcher(DeliveryQueue queue, NumberProtection protection, ArchiverProperties properties,
            MeterRegistry meters) {
        this.queue = queue;
        this.protection = protection;
        this.settings = properties.webhooks();
        this.retries = new RetryPolicy(settings.retryInitialInterval(), settings.retryMaxInterval(),
                settings.retryFor());
        this.sender = new WebhookSender(settings.connectTimeout(), settings.timeout());
        // Long enough that an attempt still running is never taken over; short enough to resume soon.
        this.lease = settings.connectTimeout().plus(settings.timeout()).plusSeconds(15);
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${spamcheck.webhooks.poll-interval:PT1S}")
    synchronized void dispatch() {
        int free = settings.maxInFlight() - inFlight.get();
        if (free <= 0) {
            return;
        }
        List<DueDelivery> due;
        try {
            due = queue.claim(free, settings.maxInFlightPerWebhook(), lease);
        }
        catch (DataAccessException ex) {
            log.warn("Cannot look for due webhook deliveries: {}; trying again in {}", ex.getClass().getSimpleName(),
                    settings.pollInterval());
            return;
        }
        for (DueDelivery delivery : due) {
            inFlight.incrementAndGet();
            attempt(delivery);
        }
    }

    private void attempt(DueDelivery delivery) {
        String secret;
        String phoneNumber = null;
        try {
            secret = protection.open(delivery.secretCiphertext(), delivery.webhookId());
            if (delivery.includePhoneNumber()) {
                phoneNumber = protection.decrypt(delivery.numberCiphertext(), delivery.numberHash());
            }
        }
        catch (RuntimeException ex) {
            // A key this archiver does not have (yet: a rolling deployment of new keys): retried
            // like any failure, so another archiver, or this one once configured, can send it.
            finishQuietly(delivery, Attempt.failed(Instant.now(), Duration.ZERO,
                    "cannot decrypt the signing secret or the number: key not configured here"));
            return;
        }
        CompletableFuture<Attempt> sending;
        try {
            sending = sender.send(delivery.url(), secret, DeliveryPayload.of(delivery, phoneNumber).toJson());
        }
        catch (RuntimeException ex) {
            sending = CompletableFuture.completedFuture(
                    Attempt.failed(Instant.now(), Duration.ZERO, WebhookSender.reason(ex)));
        }
        sending.thenAccept(attempt -> finishQuietly(delivery, attempt));
    }

    /** Records the outcome; if that fails, the lease runs out and the delivery is tried again: at least once. */
    private void finishQuietly(DueDelivery delivery, Attempt attempt) {
        try {
            finish(delivery, attempt);
        }
        catch (RuntimeException ex) {
            log.warn("Webhook delivery {} attempt {} could not be recorded: {}", delivery.id(), delivery.attempt(),
                    ex.getClass().getSimpleName());
        }
    }

    private void finish(DueDelivery delivery, Attempt attempt) {
        try {
            // The retry window runs from the change, as the README promises, not from its queuing.
            Instant next = attempt.succeeded() ? null
                    : retries.nextAttempt(delivery.attempt(), delivery.occurredAt(), Instant.now(), attempt.retryAfter());
            queue.record(delivery, attempt, next);
            String outcome = attempt.succeeded() ? "delivered" : next == null ? "dead" : "retry";
            Counter.builder("spamcheck.webhooks.attempts")
                    .description("Webhook delivery attempts by what followed them")
                    .tag("outcome", outcome)
                    .register(meters)
                    .increment();
            if (outcome.equals("dead")) {
                log.warn("Webhook delivery {} of event {} to {} is dead after {} attempts: {}", delivery.id(),
                        delivery.eventId(), delivery.webhookId(), delivery.attempt(), attempt.error());
            }
        }
        finally {
            inFlight.decrementAndGet();
        }
    }
}
