package dev.spamcheck.worker.prewarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.kafka.support.Acknowledgment;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.PrewarmEntry;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.LookupProcessor;
import dev.spamcheck.worker.lookup.LookupResultPublisher;
import dev.spamcheck.worker.twilio.TwilioLookups;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What becomes of a prewarm entry that cannot be done yet: held (its batch committed up to it and
 * delivered again) while the database or Kafka is away or Twilio cannot answer for now, and given
 * up, its failure published, only once failures that may be its own have lasted
 * {@code spamcheck.prewarm-retry-for}. The lookup itself is a stand-in: what it does is
 * {@code LookupProcessorTest}'s.
 */
class PrewarmListenerTest {

    private static final String RECHECK_ID = "6f1c2a3e-8b1d-4c5e-9f00-1a2b3c4d5e6f";

    private static final NumberProtection PROTECTION = NumberProtection.fromSecrets(key(), "k1:" + key());

    private final LookupProcessor processor = mock(LookupProcessor.class);
    private final LookupResultPublisher publisher = mock(LookupResultPublisher.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T12:00:00Z"));
    /** The caches' ticker, stepped with {@link #now}. */
    private final Ticker ticker = () -> {
        Instant at = now.get();
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    };
    private final PrewarmListener listener = new PrewarmListener(new PhoneNumberRules(Set.of("US")), PROTECTION,
            processor, publisher, meters, properties(), now::get, ticker);

    @AfterEach
    void stop() {
        listener.stop();
    }

    @Test
    void anEntryIsHeldWhileTheDatabaseIsAwayAndDoneOnceItIsBack() throws Exception {
        doThrow(new DataAccessResourceFailureException("connection refused")).when(processor).process(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043");

        RecordingAcknowledgment first = deliver(batch);

        assertThat(first.nackedAt).as("held from the first entry").isZero();
        assertThat(first.sleep).isEqualTo(Duration.ofSeconds(5));
        verify(publisher, never()).publish(any());

        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        RecordingAcknowledgment again = deliver(batch);

        assertThat(again.acknowledged).isTrue();
        assertThat(published()).extracting(LookupResult::outcome).containsExactly(Outcome.SCORED, Outcome.SCORED);
    }

    @Test
    void anEntryIsAskedAboutUnderOneRequestIdHoweverOftenItIsDelivered() throws Exception {
        // Paid for, but Kafka did not take its result: held, and asked about again under the same
        // id, so the answer it paid for is its own (LookupProcessor publishes it as paid).
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        String held = PROTECTION.protect("+12125550042").hash();
        AtomicBoolean refused = new AtomicBoolean();
        doAnswer(call -> {
            if (call.<LookupResult>getArgument(0).numberHash().equals(held) && refused.compareAndSet(false, true)) {
                throw new TimeoutException("Expiring 1 record(s)");
            }
            return null;
        }).when(publisher).publish(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043");

        assertThat(deliver(batch).nackedAt).isZero();
        assertThat(deliver(batch).acknowledged).isTrue();

        ArgumentCaptor<LookupRequest> asked = ArgumentCaptor.forClass(LookupRequest.class);
        verify(processor, times(3)).process(asked.capture());
        assertThat(asked.getAllValues()).filteredOn(request -> request.numberHash().equals(held))
                .extracting(LookupRequest::requestId).hasSize(2).as("the held entry's, both times")
                .satisfies(ids -> assertThat(ids.get(1)).isEqualTo(ids.get(0)));
        assertThat(asked.getAllValues().stream().map(LookupRequest::requestId).distinct())
                .as("the other entry's is its own").hasSize(2);
    }

    @Test
    void anEntryTwilioKeepsFailingOnIsGivenUpAfterTheRetryTimeWithItsFailurePublished() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                "twilio_http_500")));
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125555000");

        assertThat(deliver(batch).nackedAt).isZero();
        now.set(now.get().plus(Duration.ofMinutes(59)));
        assertThat(deliver(batch).nackedAt).as("still within the retry time").isZero();
        verify(publisher, never()).publish(any());

        now.set(now.get().plus(Duration.ofMinutes(1)));
        RecordingAcknowledgment last = deliver(batch);

        assertThat(last.acknowledged).as("the entries after it go on").isTrue();
        assertThat(published()).extracting(LookupResult::errorCode).containsExactly("twilio_http_500");
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isEqualTo(1);
    }

    @Test
    void aGivenUpEntryWhoseFailureKafkaDoesNotTakeKeepsItsTimeAndIsNotHeldAnotherHour() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                "twilio_http_500")));
        doThrow(new TimeoutException("Expiring 1 record(s)")).when(publisher).publish(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125555000");

        assertThat(deliver(batch).nackedAt).isZero();
        now.set(now.get().plus(Duration.ofHours(1)));

        // Given up, and its failure not published: a failure, not a paid answer, so not held for it.
        assertThat(deliver(batch).acknowledged).isTrue();
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).as("counted once").isEqualTo(1);
    }

    @Test
    void aPublishInterruptedByTheWorkersStopLeavesTheEntryForTheNextDeliveryWithoutCountingItFailed()
            throws Exception {
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        // As TopicSender does: the interrupt kept, the failure thrown.
        doAnswer(call -> {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("1 of 1 records were not acknowledged by Kafka: InterruptedException",
                    new InterruptedException());
        }).when(publisher).publish(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        RecordingAcknowledgment stopped = deliver(batch);

        assertThat(stopped.nackedAt).isZero();
        assertThat(stopped.sleep).as("asked about again soon, not held as failing").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anEntryTwilioAnswersWithSomethingNotJsonIsHeldLikeOneItFailsOn() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                "twilio_malformed_response")));

        RecordingAcknowledgment first = deliver(batch("+12125550042"));

        assertThat(first.nackedAt).as("held, not published as failed at once").isZero();
        verify(publisher, never()).publish(any());
    }

    @Test
    void entriesDoneBehindAHeldOneAreNotDoneAgainWhenTheBatchIsDeliveredAgain() throws Exception {
        ProtectedNumber held = PROTECTION.protect("+12125550042");
        when(processor.process(any())).thenAnswer(call -> {
            LookupRequest request = call.getArgument(0);
            return Optional.of(request.numberHash().equals(held.hash())
                    ? unavailable(request, TwilioLookups.LOOKUP_BUDGET_EXHAUSTED) : scored(request));
        });
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043", "+12125550044");

        assertThat(deliver(batch).nackedAt).isZero();
        assertThat(published()).hasSize(2);

        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        assertThat(deliver(batch).acknowledged).isTrue();

        // Looked up once each: the two done the first time are not asked about (nor paid for) again.
        verify(processor, times(4)).process(any());
        verify(publisher, times(3)).publish(any());
    }

    @Test
    void entriesDoneBehindOneHeldForHoursByTheDailyLimitAreNotLookedUpAgainWhenItEnds() throws Exception {
        // One entry at a time, so the entries behind the held one meet its hold.
        PrewarmListener oneAtATime = new PrewarmListener(new PhoneNumberRules(Set.of("US")), PROTECTION, processor,
                publisher, meters, properties(Map.of("spamcheck.prewarm-concurrency", "1",
                        "spamcheck.prewarm-budget", "PT1S", "spamcheck.prewarm-retry-for", "PT1M")), now::get, ticker);
        try {
            ProtectedNumber held = PROTECTION.protect("+12125550042");
            List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043", "+12125550044");
            AtomicReference<String> heldFor = new AtomicReference<>(TwilioLookups.LOOKUP_BUDGET_EXHAUSTED);
            when(processor.process(any())).thenAnswer(call -> {
                LookupRequest request = call.getArgument(0);
                return Optional.of(request.numberHash().equals(held.hash())
                        ? unavailable(request, heldFor.get()) : scored(request));
            });
            oneAtATime.onEntries(batch, new RecordingAcknowledgment());
            verify(processor, times(3)).process(any());

            // The day's calls are spent: the batch is held, delivered again every few minutes for
            // longer than the listener remembers an entry it has not seen (twice the retry time).
            heldFor.set(TwilioLookups.BUDGET_EXHAUSTED);
            for (int i = 0; i < 4; i++) {
                now.set(now.get().plus(Duration.ofMinutes(1)));
                assertThat(deliver(oneAtATime, batch).nackedAt).isZero();
            }
            doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
            assertThat(deliver(oneAtATime, batch).acknowledged).isTrue();

            // The two done before the hold were looked up once; the held one six times.
            verify(processor, times(3 + 4 + 1)).process(any());
        }
        finally {
            oneAtATime.stop();
        }
    }

    @Test
    void anEntryWhoseTimeRanOutBeforeItsCallIsDeliveredAgainSoonNotPublishedAsFailed() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                TwilioLookups.LOOKUP_BUDGET_EXHAUSTED)));
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043");

        RecordingAcknowledgment first = deliver(batch);

        assertThat(first.nackedAt).isZero();
        assertThat(first.sleep).isEqualTo(Duration.ofSeconds(1));
        verify(publisher, never()).publish(any());
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isZero();
    }

    @Test
    void anEntryTwilioKeepsFailingOnIsAskedAboutLessOftenTheLongerItFails() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                "twilio_timeout")));
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        assertThat(deliver(batch).sleep).isEqualTo(Duration.ofSeconds(5));
        now.set(now.get().plus(Duration.ofMinutes(2)));
        assertThat(deliver(batch).sleep).as("a quarter of the time it has failed").isEqualTo(Duration.ofSeconds(30));
        now.set(now.get().plus(Duration.ofMinutes(20)));
        assertThat(deliver(batch).sleep).as("at most a minute").isEqualTo(Duration.ofMinutes(1));
        verify(publisher, never()).publish(any());
    }

    @Test
    void anAccountWideOutageHoldsAnEntryHoweverLongItLastsAskingEveryFiveSeconds() throws Exception {
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                TwilioLookups.CIRCUIT_OPEN)));
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        deliver(batch);
        now.set(now.get().plus(Duration.ofHours(5)));

        RecordingAcknowledgment later = deliver(batch);
        assertThat(later.nackedAt).isZero();
        assertThat(later.sleep).as("asked about every 5 s: no call is made while the circuit is open")
                .isEqualTo(Duration.ofSeconds(5));
        verify(publisher, never()).publish(any());
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isZero();
    }

    @Test
    void anEntryThatKeepsFailingHereIsGivenUpAfterTheRetryTimeToo() throws Exception {
        when(processor.process(any())).thenThrow(new IllegalStateException("a defect"));
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        assertThat(deliver(batch).nackedAt).isZero();
        now.set(now.get().plus(Duration.ofHours(1)));

        assertThat(deliver(batch).acknowledged).isTrue();
        verify(publisher, never()).publish(any());
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isEqualTo(1);
    }

    @Test
    void aPaidEntryWhoseResultKafkaDoesNotTakeIsHeldPastTheRetryTimeUntilItDoes() throws Exception {
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        // As TopicSender throws it when its 10 s wait ends first (the producer still trying).
        doThrow(new IllegalStateException("1 of 1 records were not acknowledged by Kafka: TimeoutException",
                new java.util.concurrent.TimeoutException())).when(publisher).publish(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        assertThat(deliver(batch).nackedAt).isZero();
        now.set(now.get().plus(Duration.ofHours(2)));
        assertThat(deliver(batch).nackedAt).as("Kafka's outage, not the entry's: not given up").isZero();

        doNothing().when(publisher).publish(any());
        assertThat(deliver(batch).acknowledged).isTrue();
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isZero();
    }

    @Test
    void aPaidEntryWhoseResultKafkaRefusesForGoodIsGivenUpAfterTheRetryTime() throws Exception {
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        doThrow(new RecordTooLargeException("too large")).when(publisher).publish(any());
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");

        assertThat(deliver(batch).nackedAt).as("held like any error here").isZero();
        now.set(now.get().plus(Duration.ofHours(1)));

        assertThat(deliver(batch).acknowledged).as("a refusal that cannot pass does not hold it for ever").isTrue();
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isEqualTo(1);
    }

    @Test
    void anEntryHeldForKafkaAfterItsPaidAnswerStartsItsRetryTimeAfresh() throws Exception {
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042");
        when(processor.process(any())).thenAnswer(call -> Optional.of(unavailable(call.getArgument(0),
                "twilio_http_500")));
        assertThat(deliver(batch).nackedAt).isZero();

        // 50 minutes on, Twilio answers, and Kafka does not take the paid result for now.
        now.set(now.get().plus(Duration.ofMinutes(50)));
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        doThrow(new TimeoutException("Expiring 1 record(s)")).when(publisher).publish(any());
        assertThat(deliver(batch).nackedAt).isZero();

        // 20 minutes later the database is away: the hour of failing counts from here, not from
        // Twilio's failure 70 minutes ago, which that answer ended.
        now.set(now.get().plus(Duration.ofMinutes(20)));
        doThrow(new DataAccessResourceFailureException("connection refused")).when(processor).process(any());
        assertThat(deliver(batch).nackedAt).isZero();
        assertThat(meters.counter("spamcheck.prewarm.given.up").count()).isZero();
    }

    @Test
    void ofTheRequestsOnThePrewarmTopicOnlyTheArchiversNightlyRechecksAreTaken() throws Exception {
        doAnswer(call -> Optional.of(scored(call.getArgument(0)))).when(processor).process(any());
        LookupRequest recheck = recheck("+12125550042");
        ProtectedNumber number = PROTECTION.protect("+12125550042");
        LookupRequest forged = new LookupRequest("r2", number.hash(), number.ciphertext(), number.last4(),
                LookupRequest.Origin.INTERACTIVE, "someone-elses-campaign", Instant.now(), null, "tok_someoneelse");
        // Request-shaped, without a number to look up or the origin of a re-check.
        PrewarmEntry misread = MessageCodec.mapper().readValue(
                "{\"request_id\": \"x\", \"number_hash\": \"" + number.hash() + "\"}", PrewarmEntry.class);
        assertThat(misread).isInstanceOf(LookupRequest.class);
        // Its answer is stored under its request id: paid for, it could not be stored, and each
        // redelivery would pay again.
        LookupRequest withoutAUuid = recheck("+12125550044", "r1");
        List<ConsumerRecord<String, PrewarmEntry>> batch = new ArrayList<>();
        for (PrewarmEntry entry : List.of(forged, misread, withoutAUuid, recheck)) {
            batch.add(new ConsumerRecord<>(Topics.LOOKUP_PREWARM.name(), 0, 100 + batch.size(), null, entry));
        }
        // A tombstone, or the JSON null: no entry at all.
        batch.add(1, new ConsumerRecord<>(Topics.LOOKUP_PREWARM.name(), 0, 99, null, null));

        RecordingAcknowledgment done = deliver(batch);

        assertThat(done.acknowledged).as("nothing held").isTrue();
        ArgumentCaptor<LookupRequest> asked = ArgumentCaptor.forClass(LookupRequest.class);
        verify(processor).process(asked.capture());
        assertThat(asked.getValue().requestId()).isEqualTo(RECHECK_ID);
        assertThat(meters.counter("spamcheck.prewarm.invalid").count()).isEqualTo(4);
    }

    @Test
    void aRecheckAnsweredFromTheCacheIsDoneWithoutPublishingItAgain() throws Exception {
        // Sent again by a retried nightly job, or re-checked by a caller meanwhile.
        doAnswer(call -> Optional.of(cached(call.getArgument(0)))).when(processor).process(any());
        LookupRequest recheck = recheck("+12125550042");
        List<ConsumerRecord<String, PrewarmEntry>> batch = new ArrayList<>(batch("+12125550043"));
        batch.add(new ConsumerRecord<>(Topics.LOOKUP_PREWARM.name(), 0, 101, null, recheck));

        assertThat(deliver(batch).acknowledged).isTrue();
        assertThat(published()).as("a campaign's cache hit still counts for its campaign")
                .extracting(LookupResult::campaignId).containsExactly("spring");
    }

    @Test
    void aStopWhileABatchIsUnderWayLeavesItsEntriesToTheNextDeliveryInsteadOfHangingItsThread() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        doAnswer(call -> {
            started.countDown();
            new CountDownLatch(1).await();
            return Optional.empty();
        }).when(processor).process(any());
        // Two threads: the first two entries run until the stop, the other three wait for a thread.
        List<ConsumerRecord<String, PrewarmEntry>> batch = batch("+12125550042", "+12125550043", "+12125550044",
                "+12125550045", "+12125550046");
        CompletableFuture<RecordingAcknowledgment> delivered = CompletableFuture.supplyAsync(() -> deliver(batch));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        listener.stop();

        assertThat(delivered).succeedsWithin(Duration.ofSeconds(10))
                .satisfies(done -> assertThat(done.nackedAt).as("held from the first entry").isZero());
        verify(processor, times(2)).process(any());
    }

    @Test
    void aBatchDeliveredAsTheWorkerStopsIsLeftWholeForTheNextDelivery() throws Exception {
        // The stop can come while a batch is being handed out to the lookup threads.
        listener.stop();

        RecordingAcknowledgment done = deliver(batch("+12125550042", "+12125550043"));

        assertThat(done.nackedAt).as("held from the first entry").isZero();
        verify(processor, never()).process(any());
    }

    private RecordingAcknowledgment deliver(List<ConsumerRecord<String, PrewarmEntry>> batch) {
        return deliver(listener, batch);
    }

    private static RecordingAcknowledgment deliver(PrewarmListener to, List<ConsumerRecord<String, PrewarmEntry>> batch) {
        RecordingAcknowledgment acknowledgment = new RecordingAcknowledgment();
        to.onEntries(batch, acknowledgment);
        return acknowledgment;
    }

    private List<LookupResult> published() {
        ArgumentCaptor<LookupResult> captor = ArgumentCaptor.forClass(LookupResult.class);
        verify(publisher, atLeastOnce()).publish(captor.capture());
        return captor.getAllValues();
    }

    private static List<ConsumerRecord<String, PrewarmEntry>> batch(String... numbers) {
        List<ConsumerRecord<String, PrewarmEntry>> records = new ArrayList<>();
        for (int i = 0; i < numbers.length; i++) {
            records.add(new ConsumerRecord<>(Topics.LOOKUP_PREWARM.name(), 0, 100 + i, null,
                    new PrewarmEntry.Campaign(numbers[i], "spring")));
        }
        return records;
    }

    /** A nightly re-check as the archiver sends it, request id {@link #RECHECK_ID}. */
    private static LookupRequest recheck(String e164) {
        return recheck(e164, RECHECK_ID);
    }

    private static LookupRequest recheck(String e164, String requestId) {
        ProtectedNumber number = PROTECTION.protect(e164);
        return new LookupRequest(requestId, number.hash(), number.ciphertext(), number.last4(),
                LookupRequest.Origin.RECHECK, null, Instant.now(), null);
    }

    private static LookupResult scored(LookupRequest request) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(), request.last4(),
                Outcome.SCORED, 0, Instant.now(), null, false, request.origin(), request.campaignId());
    }

    private static LookupResult cached(LookupRequest request) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(), request.last4(),
                Outcome.SCORED, 0, Instant.now(), null, true, request.origin(), request.campaignId());
    }

    private static LookupResult unavailable(LookupRequest request, String errorCode) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(), request.last4(),
                Outcome.UNAVAILABLE, null, Instant.now(), errorCode, false, request.origin(), request.campaignId());
    }

    private static WorkerProperties properties() {
        // 64 rounds of two entries (two consumers' batches) must end within 10 minutes.
        return properties(Map.of("spamcheck.prewarm-concurrency", "2", "spamcheck.prewarm-budget", "PT9S"));
    }

    private static WorkerProperties properties(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck", WorkerProperties.class);
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static final class RecordingAcknowledgment implements Acknowledgment {

        boolean acknowledged;
        int nackedAt = -1;
        Duration sleep;

        @Override
        public void acknowledge() {
            acknowledged = true;
        }

        @Override
        public void nack(int index, Duration sleep) {
            nackedAt = index;
            this.sleep = sleep;
        }
    }
}
