package dev.spamcheck.worker.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter.Granted;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter.Permit;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter.Refused;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The account-wide rate and daily limit, decided in a real PostgreSQL as every worker shares it:
 * the calls it grants never exceed the rate in any window, the day's limit holds, and a caller that
 * cannot wait long enough is told so at once.
 */
class AccountRateLimiterTest {

    private static final DataSource DATABASE = TestDatabase.pooled(TestDatabase.fresh());
    private final JdbcClient jdbc = JdbcClient.create(DATABASE);

    @BeforeEach
    void forgetEarlierCalls() {
        jdbc.sql("DELETE FROM twilio_calls").update();
        jdbc.sql("DELETE FROM twilio_daily_calls").update();
        jdbc.sql("DELETE FROM twilio_rate").update();
    }

    @Test
    void grantedCallsNeverExceedTheRateInAnyWindowAndInteractiveCallersWaitForTheirSlot() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "5"));
        for (int i = 0; i < 12; i++) {
            assertThat(limiter.acquire(true, null, Duration.ofSeconds(5))).isInstanceOf(Granted.class);
        }

        List<Instant> calls = jdbc.sql("SELECT at FROM twilio_calls ORDER BY at").query(Timestamp.class).list()
                .stream().map(Timestamp::toInstant).toList();
        assertThat(calls).hasSize(12);
        for (int i = 5; i < calls.size(); i++) {
            assertThat(Duration.between(calls.get(i - 5), calls.get(i)))
                    .as("calls %d and %d are one window apart", i - 5, i)
                    .isGreaterThanOrEqualTo(AccountRateLimiter.WINDOW);
        }
        for (int i = 1; i < calls.size(); i++) {
            assertThat(Duration.between(calls.get(i - 1), calls.get(i)))
                    .as("calls %d and %d are a fifth of the window apart, an even stream", i - 1, i)
                    .isGreaterThanOrEqualTo(AccountRateLimiter.WINDOW.dividedBy(5));
        }
    }

    @Test
    void interactiveLookupsGoFirstWhileABulkBacklogUsesTheRest() throws Exception {
        Map<String, String> settings = Map.of("spamcheck.twilio.rate", "5", "spamcheck.twilio.interactive-reserve", "2");
        AccountRateLimiter bulkWorker = limiter(settings);
        AccountRateLimiter interactiveWorker = limiter(settings);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger bulkCalls = new java.util.concurrent.atomic.AtomicInteger();
        Thread backlog = new Thread(() -> {
            while (!stop.get()) {
                try {
                    if (bulkWorker.acquire(false, null, Duration.ofSeconds(2)) instanceof Granted) {
                        bulkCalls.incrementAndGet();
                    }
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        });
        backlog.start();
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> bulkCalls.get() >= 5);
            // With the backlog at full use of the rate, each interactive call still gets a slot
            // within about a window, never behind the backlog.
            for (int i = 0; i < 4; i++) {
                long started = System.nanoTime();
                assertThat(interactiveWorker.acquire(true, null, Duration.ofSeconds(3))).isInstanceOf(Granted.class);
                assertThat(Duration.ofNanos(System.nanoTime() - started))
                        .isLessThan(AccountRateLimiter.WINDOW.plusMillis(300));
            }
        }
        finally {
            stop.set(true);
            backlog.join(5_000);
        }
        assertThat(bulkCalls.get()).as("the backlog kept using the rest of the rate").isGreaterThan(5);
        List<Instant> calls = jdbc.sql("SELECT at FROM twilio_calls ORDER BY at").query(Timestamp.class).list()
                .stream().map(Timestamp::toInstant).toList();
        for (int i = 5; i < calls.size(); i++) {
            assertThat(Duration.between(calls.get(i - 5), calls.get(i))).isGreaterThanOrEqualTo(AccountRateLimiter.WINDOW);
        }
    }

    @Test
    void anInteractiveLookupIsSpacedAfterTheLatestInteractiveCallNotAfterABulkOne() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "5"));
        Duration share = AccountRateLimiter.WINDOW.dividedBy(5);
        assertThat(limiter.acquire(false, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);

        List<Instant> calls = jdbc.sql("SELECT at FROM twilio_calls ORDER BY at").query(Timestamp.class).list()
                .stream().map(Timestamp::toInstant).toList();
        // The window has room: a caller need not wait a share behind a prewarm call...
        assertThat(Duration.between(calls.get(0), calls.get(1))).isLessThan(share);
        // ...while interactive calls still reach Twilio as an even stream.
        assertThat(Duration.between(calls.get(1), calls.get(2))).isGreaterThanOrEqualTo(share);
    }

    @Test
    void aCallThatStartsLateCountsInTheWindowFromWhenItStarted() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "2"));
        Granted late = (Granted) limiter.acquire(true, null, Duration.ofSeconds(1));
        Thread.sleep(400); // the machine was busy: the call goes out 400 ms after its slot
        long startedLate = System.nanoTime();
        limiter.starting(late);
        Granted onTime = (Granted) limiter.acquire(true, null, Duration.ofSeconds(2));
        limiter.starting(onTime);

        // Two calls per window: the third may start one window after the late call went out, not
        // one window after the slot it was given.
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(3))).isInstanceOf(Granted.class);
        assertThat(Duration.ofNanos(System.nanoTime() - startedLate)).isGreaterThanOrEqualTo(AccountRateLimiter.WINDOW);
        List<Instant> calls = jdbc.sql("SELECT at FROM twilio_calls ORDER BY at").query(Timestamp.class).list()
                .stream().map(Timestamp::toInstant).toList();
        assertThat(calls.get(0)).isAfterOrEqualTo(late.slot().plusMillis(400));
        // On time, or moved a little if this machine made it late too; before the third either way.
        assertThat(calls.get(1)).isAfterOrEqualTo(onTime.slot()).isBefore(calls.get(2));
    }

    @Test
    void aBulkCallThatStartsLateIsMovedToWhenItStarted() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "5"));
        Granted late = (Granted) limiter.acquire(false, null, Duration.ofSeconds(1));
        Thread.sleep(100); // the call goes out 100 ms after its slot
        Granted moved = limiter.starting(late);

        Instant start = jdbc.sql("SELECT at FROM twilio_calls WHERE origin = 'bulk'").query(Timestamp.class).single()
                .toInstant();
        assertThat(start).isAfterOrEqualTo(late.slot().plusMillis(100));
        assertThat(moved.slot()).as("the call as the window now holds it").isEqualTo(start);

        // Not made after all (too little time left once moved): the moved start is what goes back.
        limiter.refund(moved);
        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Integer.class).single()).isZero();
    }

    @Test
    void aRefundGivesTheCallBackToTheDayThatCountedItWhenItsStartMovedPastMidnight() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "5"));
        Granted granted = (Granted) limiter.acquire(false, null, Duration.ofSeconds(1));
        assertThat(granted.day()).isEqualTo(jdbc.sql("SELECT (now() AT TIME ZONE 'UTC')::date")
                .query(java.sql.Date.class).single().toLocalDate());
        // Its start moved (a slow update just before midnight) into the next UTC day.
        Instant nextDay = granted.slot().plus(Duration.ofDays(1));
        jdbc.sql("UPDATE twilio_calls SET at = ?").param(Timestamp.from(nextDay)).update();

        limiter.refund(new Granted(nextDay, granted.origin(), granted.slotNanos(), granted.day()));

        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Integer.class).single()).isZero();
        assertThat(jdbc.sql("SELECT calls FROM twilio_daily_calls WHERE day = ?").param(granted.day())
                .query(Integer.class).single()).as("the day that counted it").isZero();
    }

    @Test
    void aCallerWhoseSlotComesTooLateIsToldAtOnce() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "1"));
        assertThat(limiter.acquire(true, null, Duration.ZERO)).isInstanceOf(Granted.class);

        long started = System.nanoTime();
        assertThat(limiter.acquire(true, null, Duration.ofMillis(100))).isEqualTo(Refused.NOT_IN_TIME);
        assertThat(limiter.acquire(false, null, Duration.ofMillis(100))).isEqualTo(Refused.NOT_IN_TIME);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void theDailyLimitHoldsForEveryWorkerTogether() throws Exception {
        Map<String, String> settings = Map.of("spamcheck.twilio.rate", "50", "spamcheck.twilio.daily-call-limit", "3");
        AccountRateLimiter one = limiter(settings);
        AccountRateLimiter another = limiter(settings);

        assertThat(one.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(another.acquire(false, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(one.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(another.acquire(true, null, Duration.ofSeconds(1))).isEqualTo(Refused.DAILY_LIMIT_REACHED);
        assertThat(one.acquire(false, null, Duration.ofSeconds(1))).isEqualTo(Refused.DAILY_LIMIT_REACHED);
    }

    @Test
    void bulkWorkLeavesTheDaysReserveToCallers() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "50",
                "spamcheck.twilio.daily-call-limit", "10", "spamcheck.twilio.daily-interactive-reserve", "0.2"));

        for (int i = 0; i < 8; i++) {
            assertThat(limiter.acquire(false, null, Duration.ofSeconds(1))).as("bulk call %d", i + 1)
                    .isInstanceOf(Granted.class);
        }
        assertThat(limiter.acquire(false, null, Duration.ofSeconds(1))).as("bulk past its share")
                .isEqualTo(Refused.DAILY_LIMIT_REACHED);
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).isInstanceOf(Granted.class);
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).as("the whole day's limit")
                .isEqualTo(Refused.DAILY_LIMIT_REACHED);
    }

    @Test
    void theBulkShareIsShownAndItsReserveRoundedDownInDecimal() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        limiter(Map.of("spamcheck.twilio.daily-call-limit", "100", "spamcheck.twilio.daily-interactive-reserve", "0.29"),
                meters);

        // 29 calls kept for callers, not 28 (100 x 0.29 is 28.999... in binary).
        assertThat(meters.get("spamcheck.twilio.daily.bulk.call.limit").gauge().value()).isEqualTo(71);
    }

    @Test
    void aCallThatWillNotBeMadeGivesItsSlotAndItsPlaceInTheDayBack() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "50", "spamcheck.twilio.daily-call-limit", "1"));
        Granted unused = (Granted) limiter.acquire(false, null, Duration.ofSeconds(1));

        limiter.refund(unused);

        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Long.class).single()).isZero();
        assertThat(limiter.acquire(true, null, Duration.ofSeconds(1))).as("the day's one call is still there")
                .isInstanceOf(Granted.class);
    }

    @Test
    void aClientsBurstCannotStarveAnotherClientWhileTheRateIsContended() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "5"));
        ExecutorService burst = Executors.newFixedThreadPool(20);
        try {
            // Twenty of client a's lookups at once: four seconds' worth of the account's rate.
            List<Future<Permit>> bursting = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                bursting.add(burst.submit(() -> limiter.acquire(true, "tok_a", Duration.ofSeconds(10))));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> jdbc.sql("SELECT count(*) FROM twilio_calls")
                    .query(Integer.class).single() >= 5);

            // Client b's one lookup takes the slot after those a has booked (at most the horizon
            // ahead), not a's backlog nor for the window to slide.
            Duration share = AccountRateLimiter.WINDOW.dividedBy(5);
            long asked = System.nanoTime();
            assertThat(limiter.acquire(true, "tok_b", Duration.ofSeconds(10))).isInstanceOf(Granted.class);
            assertThat(Duration.ofNanos(System.nanoTime() - asked))
                    .isLessThan(share.plus(AccountRateLimiter.BOOKING_HORIZON).plusMillis(200));
            for (Future<Permit> permit : bursting) {
                assertThat(permit.get(20, TimeUnit.SECONDS)).isInstanceOf(Granted.class);
            }
        }
        finally {
            burst.shutdownNow();
        }
    }

    @Test
    void whileTwoClientsBurstEachGetsItsWeightsShareOfTheCalls() throws Exception {
        AccountRateLimiter limiter = limiter(Map.of("spamcheck.twilio.rate", "10",
                "spamcheck.twilio.client-weights[tok_heavy]", "3"));
        ExecutorService bursts = Executors.newFixedThreadPool(24);
        // By the slot each was given, not by when its thread ran again (a busy machine reorders those).
        Map<Instant, String> granted = new ConcurrentSkipListMap<>();
        try {
            List<Future<Permit>> permits = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                for (String client : List.of("tok_heavy", "tok_light")) {
                    permits.add(bursts.submit(() -> {
                        Permit permit = limiter.acquire(true, client, Duration.ofSeconds(10));
                        if (permit instanceof Granted slot) {
                            granted.put(slot.slot(), client);
                        }
                        return permit;
                    }));
                }
            }
            for (Future<Permit> permit : permits) {
                assertThat(permit.get(20, TimeUnit.SECONDS)).isInstanceOf(Granted.class);
            }
        }
        finally {
            bursts.shutdownNow();
        }

        // While both had calls waiting (the first 16 slots), three of heavy's for each of light's;
        // equal weights would have made it 8 and 8.
        assertThat(granted.values().stream().limit(16).filter("tok_heavy"::equals).count()).isBetween(11L, 13L);
    }

    @Test
    void aRateLimitAnswerHalvesTheRateForEveryWorkerOncePerBurst() {
        AccountRateLimiter one = limiter(Map.of("spamcheck.twilio.rate", "20"));
        AccountRateLimiter another = limiter(Map.of("spamcheck.twilio.rate", "20"));

        one.slowDown();
        one.slowDown();

        assertThat(one.currentRate()).isLessThanOrEqualTo(10.5).isGreaterThan(5);
        assertThat(jdbc.sql("SELECT rate FROM twilio_rate").query(Double.class).single()).isEqualTo(10.0);
        assertThat(another.currentRate()).isLessThanOrEqualTo(10.5);
    }

    private AccountRateLimiter limiter(Map<String, String> settings) {
        return limiter(settings, new SimpleMeterRegistry());
    }

    private AccountRateLimiter limiter(Map<String, String> settings, SimpleMeterRegistry meters) {
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        return new AccountRateLimiter(jdbc, new TransactionTemplate(new DataSourceTransactionManager(DATABASE)),
                properties, meters);
    }
}
