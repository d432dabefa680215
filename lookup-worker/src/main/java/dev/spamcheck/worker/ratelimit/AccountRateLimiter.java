package dev.spamcheck.worker.ratelimit;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.worker.WorkerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What the Twilio account can afford, for every worker together, kept in PostgreSQL and decided
 * under a transaction-scoped advisory lock by the database clock:
 * <ul>
 * <li>The rate: each call is a row in {@code twilio_calls}, and a call may start only when fewer
 * calls than the rate started in the preceding window. The rate is {@code spamcheck.twilio.rate},
 * or less after Twilio answered 429 ({@link AdaptiveRate}, {@code twilio_rate}).</li>
 * <li>The day: at most {@code spamcheck.twilio.daily-call-limit} calls per UTC day
 * ({@code twilio_daily_calls}); WARN logs at 80 % and 100 %.</li>
 * </ul>
 * Interactive lookups reserve the earliest slot that keeps the window within the rate and is one
 * share of the window ({@code 1/rate}) after the latest interactive call, even a future one, and
 * wait for it; not after the latest bulk call, which would make every interactive lookup wait up
 * to a share behind a backlog that the window and the reserve already keep out of its way;
 * but never more than {@link #BOOKING_HORIZON} ahead, so that a slot is not promised to one client
 * long before another asks. One thread per worker books for all its interactive lookups, handing
 * each slot to the client (API token) whose turn it is when the slot is booked ({@link FairTurns});
 * a client with nothing waiting before books at once, the next slot after those already booked:
 * while the rate is contended, a client's burst of new numbers gets every other slot at most when
 * one other client asks (its weight's share, {@code spamcheck.twilio.client-weights}), and cannot
 * starve it. Bulk lookups only take a slot that is free now, never while an
 * interactive reservation waits, and, while interactive lookups are about (one in the last
 * {@value #INTERACTIVE_RECENTLY_SECONDS} s), never make more than {@code rate - interactive-reserve}
 * of the calls in a window, so they only use budget interactive traffic leaves free. Bulk calls
 * are spaced out a little, so that a backlog is a steady stream at Twilio and through the system
 * rather than a burst each time the window slides.
 * <p>A call is counted from its slot until the worker says it {@linkplain #starting starts}; one
 * that starts late (a busy machine, a slow claim update) moves its start to when it really went
 * out, so the calls granted after it keep the window as Twilio counts it.
 */
@Component
public class AccountRateLimiter {

    /**
     * A little over a second, so that the few milliseconds between a call's start and its reaching
     * Twilio cannot put one call too many into a one-second window as Twilio counts it.
     */
    static final Duration WINDOW = Duration.ofMillis(1050);
    static final int INTERACTIVE_RECENTLY_SECONDS = 10;
    /** How far ahead an interactive lookup may reserve its slot; closer than that, it waits its turn. */
    static final Duration BOOKING_HORIZON = Duration.ofMillis(25);
    /**
     * How much later than its slot a call may start before its start is moved in the window: well
     * inside the window's margin, and late enough that a call on time costs no database write.
     */
    static final Duration LATE = Duration.ofMillis(10);
    private static final long LOCK_KEY = 0x5350414d43484bL;
    private static final Duration BULK_POLL = Duration.ofMillis(1);
    private static final String TODAY = "(clock_timestamp() AT TIME ZONE 'UTC')::date";
    /** How long a worker goes by the cut it last read: cuts are rare, and a permit decision must be quick. */
    private static final Duration CUT_READ_EVERY = Duration.ofMillis(250);
    private static final Logger log = LoggerFactory.getLogger(AccountRateLimiter.class);

    /** What a lookup gets when it asks to call Twilio. */
    public sealed interface Permit permits Granted, Refused {
    }

    /**
     * Call now, telling {@link #starting} right before the call goes out.
     *
     * @param slot the call's start as the window holds it
     * @param origin {@code interactive} or {@code bulk}, as the window holds it
     * @param slotNanos the slot by {@link System#nanoTime()} of this worker
     * @param day the UTC day whose count holds the call (when it was decided), which a refund
     *        gives it back to, whenever the call's start is
     */
    public record Granted(Instant slot, String origin, long slotNanos, LocalDate day) implements Permit {
    }

    /** No call. */
    public enum Refused implements Permit {
        /** No slot within the time the caller can wait. */
        NOT_IN_TIME,
        /** Today's calls are spent ({@code spamcheck.twilio.daily-call-limit}). */
        DAILY_LIMIT_REACHED
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final AdaptiveRate adaptive;
    private final int interactiveReserve;
    private final int dailyLimit;
    /** What of the daily limit bulk work may use: the rest is for interactive lookups. */
    private final int bulkDailyLimit;
    // One bulk thread per worker asks the database at a time: the others would only ask the same.
    private final ReentrantLock bulkTurn = new ReentrantLock(true);
    private final FairTurns<Decision> interactiveTurns;
    private final AtomicInteger decisions = new AtomicInteger();
    private final AtomicLong callsToday = new AtomicLong();
    private final Timer lateness;
    private volatile Cut cut = new Cut(null, null, 0, Instant.EPOCH);

    AccountRateLimiter(JdbcClient jdbc, TransactionTemplate transactions, WorkerProperties properties,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.adaptive = new AdaptiveRate(properties.twilio().rate(), 1);
        this.interactiveReserve = properties.twilio().interactiveReserve();
        this.dailyLimit = properties.twilio().dailyCallLimit();
        // The reserve rounded down (a limit too small to share keeps working as one), in decimal:
        // 100 x 0.29 is 28.999... in binary.
        this.bulkDailyLimit = dailyLimit - BigDecimal.valueOf(properties.twilio().dailyInteractiveReserve())
                .multiply(BigDecimal.valueOf(dailyLimit)).intValue();
        this.interactiveTurns = new FairTurns<>(properties.twilio()::weightOf);
        // No base unit: Prometheus would append it to the documented name spamcheck_twilio_rate.
        Gauge.builder("spamcheck.twilio.rate", this, AccountRateLimiter::currentRate)
                .description("The account-wide Twilio rate now, in calls per second: the configured one, or less"
                        + " after 429 answers")
                .register(meters);
        Gauge.builder("spamcheck.twilio.daily.calls", callsToday, AtomicLong::get)
                .description("Twilio calls today (UTC), all workers together, as this worker last counted them")
                .register(meters);
        Gauge.builder("spamcheck.twilio.daily.call.limit", () -> dailyLimit)
                .description("spamcheck.twilio.daily-call-limit; 0 for no limit").register(meters);
        Gauge.builder("spamcheck.twilio.daily.bulk.call.limit", () -> bulkDailyLimit)
                .description("The calls a day after which bulk work waits for the next UTC day (the daily limit less"
                        + " spamcheck.twilio.daily-interactive-reserve); 0 for no limit")
                .register(meters);
        this.lateness = Timer.builder("spamcheck.twilio.rate_limiter.lateness")
                .description("How much later than its slot each Twilio call started")
                .serviceLevelObjectives(LATE).register(meters);
    }

    /**
     * Waits for a permit to call Twilio.
     *
     * @param interactive whether a caller is waiting for this lookup
     * @param client the API token that asked (interactive lookups; null: one client for all that name none)
     * @param maxWait the longest this caller can wait
     */
    public Permit acquire(boolean interactive, String client, Duration maxWait) throws InterruptedException {
        return interactive ? acquireInteractive(client == null ? "" : client, maxWait) : acquireBulk(maxWait);
    }

    /**
     * The granted call goes out now. If that is more than {@link #LATE} after its slot, its start
     * in the window becomes now (by the database clock, never earlier than the slot), so the
     * decisions made from then on count it from when it went out. Best effort: when the database
     * cannot take the write, the call keeps its slot, as before there was a correction, and goes
     * ahead.
     *
     * @return the call as the window now holds it, which is what a {@link #refund} must name
     */
    public Granted starting(Granted call) {
        long late = System.nanoTime() - call.slotNanos();
        lateness.record(Math.max(0, late), TimeUnit.NANOSECONDS);
        if (late <= LATE.toNanos()) {
            return call;
        }
        try {
            List<Timestamp> moved = jdbc.sql("""
                    UPDATE twilio_calls SET at = greatest(at, clock_timestamp()) WHERE ctid =
                        (SELECT ctid FROM twilio_calls WHERE at = ? AND origin = ? LIMIT 1)
                    RETURNING at""")
                    .params(Timestamp.from(call.slot()), call.origin())
                    .query(Timestamp.class).list();
            if (moved.size() != 1) {
                log.warn("A late Twilio call's start was not moved in the rate window: its slot was not found");
                return call;
            }
            return new Granted(moved.get(0).toInstant(), call.origin(), call.slotNanos(), call.day());
        }
        catch (DataAccessException ex) {
            log.warn("A late Twilio call's start was not moved in the rate window: {}", ex.getClass().getSimpleName());
            return call;
        }
    }

    /**
     * The granted call will not be made (its lookup was taken over before it started): its slot
     * and its place in the day's count go back. Best effort, like {@link #starting}.
     */
    public void refund(Granted call) {
        try {
            jdbc.sql("""
                    WITH call AS (
                        DELETE FROM twilio_calls WHERE ctid = (SELECT ctid FROM twilio_calls WHERE at = :at AND origin = :origin
                                                                LIMIT 1)
                    )
                    UPDATE twilio_daily_calls SET calls = calls - 1 WHERE day = :day AND calls > 0""")
                    .param("at", Timestamp.from(call.slot()))
                    .param("origin", call.origin())
                    .param("day", call.day())
                    .update();
        }
        catch (DataAccessException ex) {
            log.warn("An unused Twilio call slot was not given back: {}", ex.getClass().getSimpleName());
        }
    }

    /** The account-wide rate now, in calls per second. */
    public double currentRate() {
        Cut last = cut();
        return adaptive.at(last.databaseNow(), last.rate(), last.at());
    }

    /**
     * Twilio answered 429: halves the rate for every worker, unless it was cut less than a
     * window ago (the answers of one burst cut once); it recovers by itself.
     */
    public void slowDown() {
        transactions.executeWithoutResult(status -> {
            lock();
            Cut last = readCut();
            Instant now = jdbc.sql("SELECT clock_timestamp()").query(Timestamp.class).single().toInstant();
            Double rate = adaptive.cut(now, last.rate(), last.at());
            if (rate != null) {
                jdbc.sql("""
                        INSERT INTO twilio_rate (id, rate, changed_at) VALUES (1, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET rate = EXCLUDED.rate, changed_at = EXCLUDED.changed_at""")
                        .params(rate, Timestamp.from(now))
                        .update();
                cut = new Cut(rate, now, System.nanoTime(), now);
                log.warn("Twilio rate-limited the account: at most {} calls per second for now", String.format("%.1f", rate));
            }
        });
    }

    private Permit acquireInteractive(String client, Duration maxWait) throws InterruptedException {
        FairTurns.Ticket<Decision> mine = interactiveTurns.join(client, System.nanoTime() + maxWait.toNanos());
        try {
            // Until its own turn comes, this thread may lead: decide for the request whose turn it is.
            while (!interactiveTurns.awaitServedOrLead(mine, NOT_IN_TIME)) {
                FairTurns.Ticket<Decision> next = interactiveTurns.next();
                // A client with nothing booked lately books at once: the slots ahead are few (the
                // horizon keeps them so), and it need not race another worker's leader for the next.
                Decision decision = decideInteractive(Duration.ofNanos(Math.max(0, next.deadline() - System.nanoTime())),
                        interactiveTurns.isNewcomer(next) ? null : BOOKING_HORIZON);
                if (decision.permit() == null) {
                    interactiveTurns.restUnlessNewcomer(decision.pause());
                }
                else if (!interactiveTurns.serve(next, decision) && decision.permit() instanceof Granted unused) {
                    // Its caller gave up in the meantime: the slot booked for it goes back.
                    refund(unused);
                }
                if (System.nanoTime() - mine.deadline() > 0) {
                    interactiveTurns.serve(mine, NOT_IN_TIME);
                }
            }
        }
        finally {
            interactiveTurns.withdraw(mine);
        }
        Permit permit = mine.outcome().permit();
        if (permit instanceof Granted granted) {
            // Until the slot itself, not for the pause from when it was booked: the hand-over from
            // the leading thread must not make the call late.
            sleep(Duration.ofNanos(granted.slotNanos() - System.nanoTime()));
        }
        return permit;
    }

    /**
     * The permit of the interactive request whose turn it is, which can wait {@code left}: a slot
     * within {@code horizon} (null: any within {@code left}), or how long until it is (no permit).
     */
    private Decision decideInteractive(Duration left, Duration horizon) {
        return transactions.execute(status -> {
            lock();
            Window window = window();
            // Just after the database read its clock: the slot by this worker's clock, never
            // before the slot the window holds, and not moved later by the insert and commit.
            long seen = System.nanoTime();
            if (window.dailyLimitReached(dailyLimit)) {
                return new Decision(Refused.DAILY_LIMIT_REACHED, Duration.ZERO);
            }
            Instant now = window.now();
            // In microseconds, as the database keeps it: the slot names its call's row.
            Instant slot = latest(now, window.nthLatest() == null ? now : window.nthLatest().plus(WINDOW),
                    window.lastInteractive() == null ? now : window.lastInteractive().plus(evenly(window.calls())))
                    .truncatedTo(ChronoUnit.MICROS);
            Duration until = Duration.between(now, slot);
            if (until.compareTo(left) > 0) {
                return NOT_IN_TIME;
            }
            if (horizon != null && until.compareTo(horizon) > 0) {
                return new Decision(null, until.minus(horizon));
            }
            LocalDate day = record(slot, "interactive", now);
            return new Decision(new Granted(slot, "interactive", seen + until.toNanos(), day), until);
        });
    }

    private Permit acquireBulk(Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        if (!bulkTurn.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
            return Refused.NOT_IN_TIME;
        }
        try {
            while (true) {
                Decision decision = transactions.execute(status -> {
                    lock();
                    Window window = window();
                    long seen = System.nanoTime();
                    if (window.dailyLimitReached(bulkDailyLimit)) {
                        return new Decision(Refused.DAILY_LIMIT_REACHED, Duration.ZERO);
                    }
                    Instant now = window.now();
                    if (window.last() != null && window.last().isAfter(now)) {
                        return new Decision(null, Duration.between(now, window.last()));
                    }
                    boolean interactiveAbout = window.lastInteractive() != null && window.lastInteractive()
                            .isAfter(now.minusSeconds(INTERACTIVE_RECENTLY_SECONDS));
                    Duration spacing = spacing(interactiveAbout ? window.bulkCalls() : window.calls());
                    Instant freeAt = latest(now,
                            window.nthLatest() == null ? now : window.nthLatest().plus(WINDOW),
                            !interactiveAbout || window.nthLatestBulk() == null ? now
                                    : window.nthLatestBulk().plus(WINDOW),
                            window.lastBulk() == null ? now : window.lastBulk().plus(spacing));
                    if (freeAt.isAfter(now)) {
                        return new Decision(null, Duration.between(now, freeAt));
                    }
                    LocalDate day = record(now, "bulk", now);
                    return new Decision(new Granted(now, "bulk", seen, day), Duration.ZERO);
                });
                if (decision.permit() != null) {
                    return decision.permit();
                }
                Duration pause = decision.pause().plus(BULK_POLL);
                if (System.nanoTime() + pause.toNanos() > deadline) {
                    return Refused.NOT_IN_TIME;
                }
                sleep(pause);
            }
        }
        finally {
            bulkTurn.unlock();
        }
    }

    /**
     * The window's share per call. Interactive calls start at least this far apart from each other: a burst then
     * reaches Twilio as an even stream at the rate, and the next slot is never more than one share
     * away for whichever client's turn it is; without it, a burst filled the window at once and
     * every other client waited for the window to slide, up to a second.
     */
    private static Duration evenly(int callsPerWindow) {
        return WINDOW.dividedBy(callsPerWindow);
    }

    /**
     * A little less than the window's share per call: bulk calls spread over the window instead
     * of starting together whenever it slides, while the window alone still sets the throughput.
     */
    private static Duration spacing(int callsPerWindow) {
        return WINDOW.multipliedBy(9).dividedBy(10L * callsPerWindow);
    }

    private void lock() {
        jdbc.sql("SELECT pg_advisory_xact_lock(?)::text").param(LOCK_KEY).query(String.class).single();
    }

    /**
     * The rate the last 429 left (null: none) and when, by the database's clock, as read at
     * {@code readAt} (nano time) when that clock said {@code databaseTimeAtRead}: how long ago the
     * cut was is judged by the database's clock, as every worker judges it, not by this host's.
     */
    private record Cut(Double rate, Instant at, long readAt, Instant databaseTimeAtRead) {

        Instant databaseNow() {
            return databaseTimeAtRead.plusNanos(System.nanoTime() - readAt);
        }
    }

    private Cut cut() {
        Cut last = cut;
        if (System.nanoTime() - last.readAt() > CUT_READ_EVERY.toNanos()) {
            last = readCut();
            cut = last;
        }
        return last;
    }

    private Cut readCut() {
        return jdbc.sql("""
                SELECT clock_timestamp() AS now, rate, changed_at
                  FROM (SELECT 1) AS one LEFT JOIN twilio_rate ON id = 1""")
                .query((rs, row) -> {
                    double rate = rs.getDouble("rate");
                    return new Cut(rs.wasNull() ? null : rate, instant(rs.getTimestamp("changed_at")), System.nanoTime(),
                            rs.getTimestamp("now").toInstant());
                })
                .single();
    }

    /**
     * The database's time and today's calls; the calls a window may hold at the rate now and, of
     * them, bulk ones while interactive lookups are about; the latest call start (possibly a future
     * reservation), the latest interactive and bulk calls, and the starts of the {@code calls}-th
     * most recent call and of the {@code bulkCalls}-th most recent bulk call (null when there were
     * fewer).
     */
    private record Window(Instant now, int callsToday, int calls, int bulkCalls, Instant last, Instant lastInteractive,
            Instant lastBulk, Instant nthLatest, Instant nthLatestBulk) {

        boolean dailyLimitReached(int limit) {
            return limit > 0 && callsToday >= limit;
        }
    }

    /** One query, under the lock: a permit decision must hold it as briefly as it can. */
    private Window window() {
        int calls = AdaptiveRate.callsPerWindow(currentRate());
        int bulkCalls = Math.max(1, calls - interactiveReserve);
        Window window = jdbc.sql("""
                SELECT clock_timestamp() AS now,
                       (SELECT calls FROM twilio_daily_calls WHERE day = %s) AS calls_today,
                       (SELECT max(at) FROM twilio_calls) AS last,
                       (SELECT max(at) FROM twilio_calls WHERE origin = 'interactive') AS last_interactive,
                       (SELECT max(at) FROM twilio_calls WHERE origin = 'bulk') AS last_bulk,
                       (SELECT at FROM twilio_calls ORDER BY at DESC OFFSET ? LIMIT 1) AS nth,
                       (SELECT at FROM twilio_calls WHERE origin = 'bulk' ORDER BY at DESC OFFSET ? LIMIT 1) AS nth_bulk
                """.formatted(TODAY))
                .params(calls - 1, bulkCalls - 1)
                .query((rs, row) -> new Window(rs.getTimestamp("now").toInstant(), rs.getInt("calls_today"), calls,
                        bulkCalls, instant(rs.getTimestamp("last")), instant(rs.getTimestamp("last_interactive")),
                        instant(rs.getTimestamp("last_bulk")), instant(rs.getTimestamp("nth")),
                        instant(rs.getTimestamp("nth_bulk"))))
                .single();
        callsToday.set(window.callsToday());
        return window;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    /**
     * The call and the day's count in one statement, for the same reason.
     *
     * @param decided the database's time of the decision, whose UTC day counts the call
     * @return that day
     */
    private LocalDate record(Instant start, String origin, Instant decided) {
        LocalDate day = LocalDate.ofInstant(decided, ZoneOffset.UTC);
        Integer calls = jdbc.sql("""
                WITH call AS (INSERT INTO twilio_calls (at, origin) VALUES (?, ?))
                INSERT INTO twilio_daily_calls (day, calls) VALUES (?, 1)
                ON CONFLICT (day) DO UPDATE SET calls = twilio_daily_calls.calls + 1
                RETURNING calls""")
                .params(Timestamp.from(start), origin, day)
                .query(Integer.class)
                .single();
        callsToday.set(calls);
        DailyLimitWarning.of(calls, dailyLimit).ifPresent(warning -> log.warn(warning));
        if (decisions.incrementAndGet() % 500 == 0) {
            jdbc.sql("DELETE FROM twilio_calls WHERE at < clock_timestamp() - interval '1 minute'").update();
        }
        return day;
    }

    private static Instant latest(Instant first, Instant... others) {
        Instant max = first;
        for (Instant other : others) {
            max = other.isAfter(max) ? other : max;
        }
        return max;
    }

    private static void sleep(Duration duration) throws InterruptedException {
        if (!duration.isZero() && !duration.isNegative()) {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    }

    /** A permit, or how long to wait before asking again. */
    private record Decision(Permit permit, Duration pause) {
    }

    private static final Decision NOT_IN_TIME = new Decision(Refused.NOT_IN_TIME, Duration.ZERO);
}
