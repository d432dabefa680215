package dev.spamcheck.notifier.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.notifier.NotifierProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends due deliveries: claims as many as there are free slots, sends each asynchronously, and
 * records each outcome with its retry or dead letter. The only sender of webhooks. Claiming runs on
 * one thread of its own, so it needs no lock and never holds up the caller: the fan-out
 * {@link #wakeUp wakes it} when it queues a change, the schedule covers retries and other notifiers'
 * leases. Outcomes are recorded on a small pool of its own, never on the HTTP client's or the JDK's
 * shared timeout thread.
 */
@Component
class WebhookDispatcher implements SmartLifecycle, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final DeliveryQueue queue;
    private final NumberProtection protection;
    private final NotifierProperties.Webhooks settings;
    private final RetryPolicy retries;
    private final WebhookSender sender;
    private final Duration lease;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean wakeUpPending = new AtomicBoolean();
    private final Object drained = new Object();
    private volatile boolean running;
    private final ExecutorService claiming = Executors.newSingleThreadExecutor(
            new CustomizableThreadFactory("webhook-dispatch-"));
    private final ExecutorService recording = Executors.newFixedThreadPool(2,
            new CustomizableThreadFactory("webhook-record-"));
    private final Counter delivered;
    private final Counter retry;
    private final Counter dead;

    WebhookDispatcher(DeliveryQueue queue, NumberProtection protection, NotifierProperties properties,
            MeterRegistry meters) {
        this.queue = queue;
        this.protection = protection;
        this.settings = properties.webhooks();
        this.retries = new RetryPolicy(settings.retryInitialInterval(), settings.retryMaxInterval(),
                settings.retryFor());
        this.sender = new WebhookSender(settings.connectTimeout(), settings.timeout(),
                settings.allowPrivateNetworks());
        // Long enough that an attempt still running is never taken over; short enough to resume soon.
        this.lease = settings.connectTimeout().plus(settings.timeout()).plusSeconds(15);
        this.delivered = attempts(meters, "delivered");
        this.retry = attempts(meters, "retry");
        this.dead = attempts(meters, "dead");
    }

    private static Counter attempts(MeterRegistry meters, String outcome) {
        return Counter.builder("spamcheck.webhooks.attempts")
                .description("Webhook delivery attempts by what followed them")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Asks for a look at due deliveries soon; returns at once. Wake-ups while one is pending coalesce. */
    @Scheduled(fixedDelayString = "${spamcheck.webhooks.poll-interval:PT1S}")
    void wakeUp() {
        if (running && wakeUpPending.compareAndSet(false, true)) {
            try {
                claiming.execute(this::dispatch);
            }
            catch (RejectedExecutionException stopping) {
                // Stopped between the look at running and here: nothing more is claimed.
            }
        }
    }

    /** Only ever on the claiming thread. */
    private void dispatch() {
        wakeUpPending.set(false);
        if (!running) {
            // Queued before the stop: claiming now would start attempts the stop does not wait for.
            return;
        }
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
            // A key this notifier does not have (yet: a rolling deployment of new keys): retried
            // like any failure, so another notifier, or this one once configured, can send it.
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
        // Whatever the attempt's future ends with, it is recorded and its slot given back.
        sending.handleAsync((attempt, failure) -> {
            finishQuietly(delivery, attempt != null ? attempt
                    : Attempt.failed(Instant.now(), Duration.ZERO, WebhookSender.reason(failure)));
            return null;
        }, recording);
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
        finally {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    private void finish(DueDelivery delivery, Attempt attempt) {
        // The retry window runs from the change, as docs/api.md promises, not from its queuing.
        Instant next = attempt.succeeded() ? null
                : retries.nextAttempt(delivery.attempt(), delivery.occurredAt(), delivery.databaseNow(),
                        attempt.retryAfter());
        if (!queue.record(delivery, attempt, next)) {
            // Ended meanwhile (its subscription deleted), or taken over and not delivered by this
            // attempt: its outcome is not this one.
            log.info("Webhook delivery {} attempt {} logged; the delivery had moved on", delivery.id(),
                    delivery.attempt());
        }
        else if (attempt.succeeded()) {
            delivered.increment();
        }
        else if (next != null) {
            retry.increment();
        }
        else {
            dead.increment();
            log.warn("Webhook delivery {} of event {} to {} is dead after {} attempts: {}", delivery.id(),
                    delivery.eventId(), delivery.webhookId(), delivery.attempt(), attempt.error());
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * Claims nothing more and lets the attempts under way finish and be recorded, for at most as
     * long as one may take: a delivery whose outcome was lost to a stop would be sent again once
     * its lease ran out, a duplicate for its receiver at every deployment.
     */
    @Override
    public void stop() {
        running = false;
        claiming.shutdown();
        long deadline = System.nanoTime() + settings.connectTimeout().plus(settings.timeout()).plusSeconds(2).toNanos();
        try {
            claiming.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            synchronized (drained) {
                for (long left = deadline - System.nanoTime(); inFlight.get() > 0 && left > 0;
                        left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (inFlight.get() > 0) {
            log.warn("Stopped with {} webhook deliveries unrecorded; they are sent again once their lease runs out",
                    inFlight.get());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void destroy() {
        claiming.shutdownNow();
        recording.shutdown();
    }
}
