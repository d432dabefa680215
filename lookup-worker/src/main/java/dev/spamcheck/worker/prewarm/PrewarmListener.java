package dev.spamcheck.worker.prewarm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.CampaignIds;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.PrewarmEntry;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.LookupProcessor;
import dev.spamcheck.worker.lookup.LookupResultPublisher;
import dev.spamcheck.worker.twilio.TwilioLookups;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Bulk prewarm: campaign tools write {@code {"phone_number": "+1…", "campaign_id": "…"}} to
 * {@link Topics#LOOKUP_PREWARM} in plaintext (the archiver's nightly re-checks arrive there as
 * lookup requests, protected: see {@link PrewarmEntry}), usually without a key, so one partition
 * can hold a whole campaign. Entries are therefore taken a batch at a time and looked up in parallel
 * ({@code spamcheck.prewarm-concurrency} at once per worker); claims keep two lookups of one
 * number from running together. Each lookup only uses rate budget interactive traffic leaves
 * free. Entries with an invalid number are counted, logged masked and skipped; one that is not
 * JSON goes to the dead-letter topic, once the entries before it are done. An entry that found no
 * rate budget in time, today's calls spent, Twilio unavailable for now or an error here (the
 * database or Kafka away) is not lost: the batch is committed up to it, and the rest is delivered
 * again after a pause (the consumer stays in its group meanwhile) — a second or so for the rate,
 * 5 s while Twilio or the error lasts (growing to a minute while Twilio keeps failing on the
 * entry's number alone, maybe: see {@link Postponed#whileFailing}), a minute for the daily limit,
 * so bulk work waits until tomorrow. So that one number Twilio keeps failing on (or one entry that keeps failing here)
 * cannot hold its partition for ever, an entry held for longer than
 * {@code spamcheck.prewarm-retry-for} by failures that may be its own is given up: Twilio's failure
 * is published as its result, an error here is logged. A paid answer whose result Kafka does not
 * take (in a way that may pass) holds the entry however long that lasts: its change would be lost.
 */
@Component
class PrewarmListener {

    private static final Logger log = LoggerFactory.getLogger(PrewarmListener.class);
    static final int BATCH = WorkerProperties.PREWARM_BATCH;
    private static final Duration RETRY_SOON = Duration.ofSeconds(1);
    private static final Duration RETRY_WHILE_UNAVAILABLE = Duration.ofSeconds(5);
    private static final Duration RETRY_WHILE_FAILING_AT_MOST = Duration.ofMinutes(1);
    private static final Duration RETRY_DAILY_LIMIT = Duration.ofMinutes(1);

    private final PhoneNumberRules rules;
    private final NumberProtection protection;
    private final LookupProcessor processor;
    private final LookupResultPublisher publisher;
    private final Counter invalid;
    private final Counter givenUp;
    private final ExecutorService lookups;
    private final Duration retryFor;
    private final InstantSource clock;
    /**
     * When each held entry (by partition and offset) first failed; an entry not delivered again for
     * twice the retry time (its partition moved to another worker) is forgotten.
     */
    private final Cache<String, Instant> failingSince;
    /**
     * Entries done (published, given up, skipped) behind one their batch is held at: delivered
     * again with it until their offsets are committed, they are not done twice (paid twice, or a
     * given-up entry's hour of failing begun again). Forgotten as {@link #failingSince} is, once
     * not delivered again for twice the retry time.
     */
    private final Cache<String, Boolean> done;

    @Autowired
    PrewarmListener(PhoneNumberRules rules, NumberProtection protection, LookupProcessor processor,
            LookupResultPublisher publisher, MeterRegistry meters, WorkerProperties properties) {
        this(rules, protection, processor, publisher, meters, properties, InstantSource.system(), Ticker.systemTicker());
    }

    /** @param ticker what the caches expire by: a monotonic clock, but for tests, which step {@code clock} */
    PrewarmListener(PhoneNumberRules rules, NumberProtection protection, LookupProcessor processor,
            LookupResultPublisher publisher, MeterRegistry meters, WorkerProperties properties, InstantSource clock,
            Ticker ticker) {
        this.rules = rules;
        this.protection = protection;
        this.processor = processor;
        this.publisher = publisher;
        this.invalid = Counter.builder("spamcheck.prewarm.invalid").description("Prewarm entries skipped as invalid")
                .register(meters);
        this.givenUp = Counter.builder("spamcheck.prewarm.given.up")
                .description("Prewarm entries given up after failing for spamcheck.prewarm-retry-for").register(meters);
        this.retryFor = properties.prewarmRetryFor();
        this.clock = clock;
        this.failingSince = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(retryFor.multipliedBy(2))
                .ticker(ticker).build();
        this.done = Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(retryFor.multipliedBy(2))
                .ticker(ticker).build();
        this.lookups = Executors.newFixedThreadPool(properties.prewarmConcurrency(), runnable -> {
            Thread thread = new Thread(runnable, "prewarm-lookup");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * A batch is at most {@value #BATCH} entries, so that even when every entry waits its whole
     * {@code prewarm-budget} for rate budget the batch ends well within the consumer's
     * {@code max.poll.interval.ms} (which {@link WorkerProperties} holds the settings to).
     */
    @KafkaListener(id = "lookup-prewarm", topics = Topics.Names.LOOKUP_PREWARM, groupId = "spamcheck-prewarm",
            containerFactory = "prewarmBatchContainerFactory",
            properties = {ConsumerConfig.MAX_POLL_RECORDS_CONFIG + "=" + BATCH,
                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG + "=" + WorkerProperties.PREWARM_POLL_INTERVAL_MS})
    void onEntries(List<ConsumerRecord<String, PrewarmEntry>> records, Acknowledgment acknowledgment) {
        int readable = 0;
        DeserializationException unreadable = null;
        while (readable < records.size() && (unreadable = DeadLetters.unreadable(records.get(readable))) == null) {
            readable++;
        }
        AtomicReference<Postponed> postponed = new AtomicReference<>();
        List<Future<Postponed>> running = new ArrayList<>(readable);
        for (ConsumerRecord<String, PrewarmEntry> entry : records.subList(0, readable)) {
            try {
                running.add(lookups.submit(() -> handle(entry, postponed)));
            }
            catch (RejectedExecutionException stopping) {
                // The worker stopped (stop()) while the batch was being handed out: this entry and
                // the rest are asked about again after the restart.
                break;
            }
        }
        int firstPostponed = -1;
        for (int i = 0; i < running.size(); i++) {
            try {
                if (running.get(i).get() != null) {
                    firstPostponed = firstPostponed < 0 ? i : firstPostponed;
                }
                else if (firstPostponed >= 0) {
                    // Done, behind one held: the batch comes back from that one.
                    done.put(key(records.get(i)), Boolean.TRUE);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                firstPostponed = firstPostponed < 0 ? i : firstPostponed;
                break;
            }
            catch (CancellationException stopping) {
                // Never started: the worker is stopping (stop()); asked about again after the restart.
                firstPostponed = firstPostponed < 0 ? i : firstPostponed;
                break;
            }
            catch (ExecutionException ex) {
                // onEntry's own errors are caught in the task: this is one of the pool's.
                log.warn("Prewarm entry skipped after an error: {}", ex.getCause().getClass().getSimpleName());
            }
        }
        if (firstPostponed < 0 && running.size() < readable) {
            firstPostponed = running.size();
        }
        if (firstPostponed >= 0) {
            acknowledgment.nack(firstPostponed, postponed.get() == null ? RETRY_SOON : postponed.get().retryAfter());
        }
        else if (unreadable != null) {
            // The error handler commits the entries before it, moves it to the dead-letter topic
            // and has the rest delivered again.
            throw new BatchListenerFailedException("unreadable prewarm entry", unreadable, readable);
        }
        else {
            acknowledgment.acknowledge();
        }
    }

    /** One entry of a batch, on a lookup thread: what holds it, or null when it is done. */
    private Postponed handle(ConsumerRecord<String, PrewarmEntry> entry, AtomicReference<Postponed> postponed) {
        // Looked at first, even while the batch is held: each delivery keeps the entries done behind
        // a held one remembered (a daily limit holds a batch for hours), or they would be forgotten
        // and looked up again when the hold ends.
        if (done.getIfPresent(key(entry)) != null) {
            return null;
        }
        Postponed already = postponed.get();
        if (already != null && already.holdsEveryEntry()) {
            return already;
        }
        try {
            Postponed later = onEntry(entry);
            if (later != null) {
                postponed.accumulateAndGet(later, Postponed::longer);
            }
            return later;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Postponed.SOON;
        }
        catch (Exception ex) {
            Postponed later = failedHere(entry, ex);
            if (later != null) {
                postponed.accumulateAndGet(later, Postponed::longer);
            }
            return later;
        }
    }

    /**
     * Why an entry is not done yet, and when its batch is tried again: the weightiest reason wins,
     * then the longest pause.
     *
     * @param weight 0: only the entry waits (no rate budget within its time, another lookup of the
     *        number under way, the worker stopping); 1: Twilio unavailable for now
     *        ({@link TwilioLookups#isPassing}) or an error here (the database or Kafka away), and the
     *        rest of the batch waits too; 2: the account's daily call limit is reached
     */
    private record Postponed(int weight, Duration retryAfter) {

        static final Postponed SOON = new Postponed(0, RETRY_SOON);
        static final Postponed WHILE_UNAVAILABLE = new Postponed(1, RETRY_WHILE_UNAVAILABLE);
        static final Postponed UNTIL_TOMORROW = new Postponed(2, RETRY_DAILY_LIMIT);

        /**
         * Twilio failing on the entry's number, maybe for that number alone (a timeout, a 5xx): each
         * attempt may be paid, and the bulk circuit stays closed while other numbers succeed, so the
         * pause grows with the time the entry has failed, a quarter of it from 5 s up to a minute:
         * about 70 deliveries in {@code prewarm-retry-for}'s hour rather than 720.
         */
        static Postponed whileFailing(Duration failingFor) {
            Duration pause = failingFor.dividedBy(4);
            if (pause.compareTo(RETRY_WHILE_UNAVAILABLE) < 0) {
                pause = RETRY_WHILE_UNAVAILABLE;
            }
            if (pause.compareTo(RETRY_WHILE_FAILING_AT_MOST) > 0) {
                pause = RETRY_WHILE_FAILING_AT_MOST;
            }
            return new Postponed(1, pause);
        }

        boolean holdsEveryEntry() {
            return weight > 0;
        }

        static Postponed longer(Postponed a, Postponed b) {
            if (a == null || b.weight > a.weight) {
                return b;
            }
            return b.weight == a.weight && b.retryAfter.compareTo(a.retryAfter) > 0 ? b : a;
        }
    }

    @PreDestroy
    void stop() {
        // The entries not started are cancelled, not just dropped: a batch still waiting for them
        // would otherwise wait for ever, holding its listener thread.
        for (Runnable notStarted : lookups.shutdownNow()) {
            if (notStarted instanceof Future<?> entry) {
                entry.cancel(false);
            }
        }
    }

    /**
     * Campaign tools write to this topic too, so of the requests on it only what the archiver sends
     * is taken: a re-check of a protected number, for no campaign and no client. A tool's object
     * with a request's field (read as a request, its number lost) or a forged interactive request
     * (which would take interactive turns, or count for another client or campaign) is not.
     */
    private static boolean isNightlyRecheck(LookupRequest request) {
        return request.origin() == LookupRequest.Origin.RECHECK && isUuid(request.requestId())
                && request.numberHash() != null && request.numberCiphertext() != null && request.campaignId() == null
                && request.client() == null;
    }

    /** The answer is stored under its request's id: one that is not a UUID would be paid for and then lost. */
    private static boolean isUuid(String requestId) {
        try {
            return requestId != null && UUID.fromString(requestId).toString().equalsIgnoreCase(requestId);
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
    }

    /** Looks the entry up; returns why it must be tried again later, or null when it is done. */
    private Postponed onEntry(ConsumerRecord<String, PrewarmEntry> record) throws Exception {
        PrewarmEntry entry = record.value();
        if (entry == null) {
            // An empty record (a tombstone, the JSON null) is no entry: skipped, not held as a failure.
            skip("an empty record", null);
            return null;
        }
        if (entry instanceof LookupRequest recheck) {
            if (!isNightlyRecheck(recheck)) {
                skip("neither a campaign entry ({\"phone_number\", \"campaign_id\"}) nor a nightly re-check",
                        recheck.last4());
                return null;
            }
            return lookUp(record, recheck);
        }
        PrewarmEntry.Campaign campaign = (PrewarmEntry.Campaign) entry;
        String phoneNumber = campaign.phoneNumber();
        // As for a lookup: an empty campaign_id (a template's unset field) is none.
        String campaignId = campaign.campaignId() == null || campaign.campaignId().isEmpty() ? null
                : campaign.campaignId();
        String e164;
        try {
            e164 = rules.requireValid(phoneNumber);
        }
        catch (InvalidPhoneNumberException ex) {
            skip(ex.getMessage(), phoneNumber);
            return null;
        }
        String invalidCampaign = campaignId == null ? null : CampaignIds.whyNotRecordable(campaignId);
        if (invalidCampaign != null) {
            skip(invalidCampaign, phoneNumber);
            return null;
        }
        ProtectedNumber number = protection.protect(e164);
        // One id per entry, however often it is handled: an entry held after its paid answer's
        // result failed finds that answer as its own when asked again, and publishes it as paid.
        // (Its time too: a topic created anew starts its offsets again.)
        String requestId = UUID.nameUUIDFromBytes((key(record) + "@" + record.timestamp())
                .getBytes(StandardCharsets.UTF_8)).toString();
        return lookUp(record, new LookupRequest(requestId, number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.PREWARM, campaignId, Instant.now(), null));
    }

    private Postponed lookUp(ConsumerRecord<String, PrewarmEntry> record, LookupRequest request) throws Exception {
        Optional<LookupResult> result = processor.process(request);
        if (result.isEmpty()) {
            // Taken over by a caller's lookup of the same number: asked again, it is a cache hit
            // published with its campaign, or, if the caller's lookup failed, looked up again.
            return Postponed.SOON;
        }
        if (result.get().fromCache() && request.origin() == LookupRequest.Origin.RECHECK) {
            // Re-checked meanwhile (by a caller, or by this re-check sent again when a night's job
            // was retried): that answer is on the results topic already, and a re-check has no
            // campaign to count it for. (The answer this re-check paid for itself, held after its
            // result failed, is not from the cache: it is published now.)
            return null;
        }
        String errorCode = String.valueOf(result.get().errorCode());
        if (errorCode.equals(TwilioLookups.BUDGET_EXHAUSTED)) {
            return Postponed.UNTIL_TOMORROW;
        }
        // Its time spent waiting (for the rate, for another lookup of the number) before any call:
        // nothing learned about the number, and nothing it did.
        if (errorCode.equals(TwilioLookups.RATE_BUDGET_EXHAUSTED) || errorCode.equals(TwilioLookups.LOOKUP_BUDGET_EXHAUSTED)
                || errorCode.equals(LookupProcessor.IN_PROGRESS) || errorCode.equals(TwilioLookups.INTERRUPTED)) {
            return Postponed.SOON;
        }
        boolean givenUp = false;
        if (TwilioLookups.isPassing(errorCode)) {
            boolean mayBeItsOwn = !TwilioLookups.isAccountWide(errorCode);
            if (!heldTooLong(record, mayBeItsOwn)) {
                return mayBeItsOwn ? Postponed.whileFailing(failingFor(record)) : Postponed.WHILE_UNAVAILABLE;
            }
            givenUp = true;
            log.warn("Prewarm entry ***{} given up after failing for {}: {}", request.last4(), retryFor, errorCode);
        }
        try {
            publisher.publish(result.get());
        }
        catch (RuntimeException notTaken) {
            if (Thread.currentThread().isInterrupted()) {
                // The worker is stopping (the publisher keeps the interrupt): asked about again
                // after the restart, as an entry never started.
                return Postponed.SOON;
            }
            if (givenUp) {
                // Given up and counted once: its failure, which Kafka did not take, is only logged.
                log.warn("Prewarm entry ***{}: its failure not taken by Kafka either ({})", request.last4(),
                        notTaken.getMessage());
                failingSince.invalidate(key(record));
                return null;
            }
            if (!LookupResultPublisher.paidNow(result.get()) || !LookupResultPublisher.mayPass(notTaken)) {
                throw notTaken;
            }
            // Paid for: Kafka is failing now, not Twilio or the number. Held however long that lasts,
            // as in an account-wide outage; asked about again, the entry finds the answer it paid
            // for and publishes it as paid (the notifier learns of a change from paid answers only).
            failingSince.invalidate(key(record));
            log.warn("Prewarm entry ***{}: its result not taken by Kafka ({}); held until it is", request.last4(),
                    notTaken.getMessage());
            return Postponed.WHILE_UNAVAILABLE;
        }
        failingSince.invalidate(key(record));
        return null;
    }

    /** An error here: the entry is held like one Twilio cannot answer for now, and given up alike. */
    private Postponed failedHere(ConsumerRecord<String, PrewarmEntry> record, Exception ex) {
        if (!heldTooLong(record, true)) {
            log.warn("Prewarm entry held after an error, asked about again in {}: {}", RETRY_WHILE_UNAVAILABLE,
                    ex.getClass().getSimpleName());
            return Postponed.WHILE_UNAVAILABLE;
        }
        log.warn("Prewarm entry given up after failing for {}: {}", retryFor, ex.getClass().getSimpleName());
        failingSince.invalidate(key(record));
        return null;
    }

    /**
     * Whether the entry has been failing for longer than {@code retry-for}, counted from its first
     * failure that may be its own ({@code mayGiveUp}); an account-wide outage neither starts that
     * count nor ends it, and holds the entry however long it lasts.
     */
    private boolean heldTooLong(ConsumerRecord<String, PrewarmEntry> record, boolean mayGiveUp) {
        if (mayGiveUp && failingFor(record).compareTo(retryFor) >= 0) {
            givenUp.increment();
            return true;
        }
        return false;
    }

    /** How long the entry has been failing: zero at its first failure. */
    private Duration failingFor(ConsumerRecord<String, PrewarmEntry> record) {
        Instant now = clock.instant();
        return Duration.between(failingSince.get(key(record), any -> now), now);
    }

    private static String key(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private void skip(String reason, String input) {
        invalid.increment();
        String masked = input == null || input.length() < 4 ? "***" : "***" + input.substring(input.length() - 4);
        log.warn("Skipping prewarm entry {}: {}", masked, reason);
    }
}
