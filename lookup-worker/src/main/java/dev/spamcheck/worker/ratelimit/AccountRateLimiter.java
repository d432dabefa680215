package dev.spamcheck.worker.ratelimit;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.worker.WorkerProperties;

/**
 * The account-wide Twilio rate ({@code spamcheck.twilio.rate} calls per second), shared by every
 * worker through PostgreSQL: each call is a row in {@code twilio_calls}, and a call may start
 * only when fewer than {@code rate} calls started in the preceding window. Decisions are
 * serialised by a transaction-scoped advisory lock and timed by the database clock.
 * <p>
 * Interactive lookups reserve the earliest slot that keeps the window within the rate, even a
 * future one, and wait for it. Bulk lookups only take a slot that is free now, never while an
 * interactive reservation waits, and, while interactive lookups are about (one in the last
 * {@value #INTERACTIVE_RECENTLY_SECONDS} s), never make more than {@code rate - interactive-reserve}
 * of the calls in a window, so they only use budget interactive traffic leaves free. Bulk calls
 * are spaced out a little, so that a backlog is a steady stream at Twilio and through the system
 * rather than a burst each time the window slides.
 */
@Component
public class AccountRateLimiter {

    /**
     * A little over a second, so that the few milliseconds between a permit and the call reaching
     * Twilio cannot put one call too many into a one-second window as Twilio counts it.
     */
    static final Duration WINDOW = Duration.ofMillis(1050);
    static final int INTERACTIVE_RECENTLY_SECONDS = 10;
    private static final long LOCK_KEY = 0x5350414d43484bL;
    private static final Duration BULK_POLL = Duration.ofMillis(1);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final int rate;
    private final int bulkRate;
    private final Duration bulkSpacing;
    private final Duration bulkSpacingShared;
    // One bulk thread per worker asks the database at a time: the others would only ask the same.
    private final ReentrantLock bulkTurn = new ReentrantLock(true);
    private final AtomicInteger decisions = new AtomicInteger();

    AccountRateLimiter(JdbcTemplate jdbc, TransactionTemplate transactions, WorkerProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.rate = properties.twilio().rate();
        this.bulkRate = Math.max(1, rate - properties.twilio().interactiveReserve());
        this.bulkSpacing = spacing(rate);
        this.bulkSpacingShared = spacing(bulkRate);
    }

    /**
     * A little less than the window's share per call: bulk calls spread over the window instead
     * of starting together whenever it slides, while the window alone still sets the throughput.
     */
    private static Duration spacing(int callsPerWindow) {
        return WINDOW.multipliedBy(9).dividedBy(10L * callsPerWindow);
    }

    /**
     * Waits for a permit to call Twilio.
     *
     * @param interactive whether a caller is waiting for this lookup
     * @param maxWait the longest this caller can wait
     * @return false when no permit can be had within {@code maxWait}
     */
    public boolean acquire(boolean interactive, Duration maxWait) throws InterruptedException {
        return interactive ? acquireInteractive(maxWait) : acquireBulk(maxWait);
    }

    private boolean acquireInteractive(Duration maxWait) throws InterruptedException {
        Duration wait = transactions.execute(status -> {
            lock();
            Window window = window();
            Instant now = window.now();
            Instant slot = latest(now, window.nthLatest() == null ? now : window.nthLatest().plus(WINDOW),
                    window.last() == null ? now : window.last());
            Duration until = Duration.between(now, slot);
            if (until.compareTo(maxWait) > 0) {
                return null;
            }
            record(slot, "interactive");
            return until;
        });
        if (wait == null) {
            return false;
        }
        sleep(wait);
        return true;
    }

    private boolean acquireBulk(Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        if (!bulkTurn.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        try {
            while (true) {
                Duration wait = transactions.execute(status -> {
                    lock();
                    Window window = window();
                    Instant now = window.now();
                    if (window.last() != null && window.last().isAfter(now)) {
                        return Duration.between(now, window.last());
                    }
                    boolean interactiveAbout = window.lastInteractive() != null && window.lastInteractive()
                            .isAfter(now.minusSeconds(INTERACTIVE_RECENTLY_SECONDS));
                    Instant freeAt = latest(now,
                            window.nthLatest() == null ? now : window.nthLatest().plus(WINDOW),
                            !interactiveAbout || window.nthLatestBulk() == null ? now
                                    : window.nthLatestBulk().plus(WINDOW),
                            window.lastBulk() == null ? now
                                    : window.lastBulk().plus(interactiveAbout ? bulkSpacingShared : bulkSpacing));
                    if (freeAt.isAfter(now)) {
                        return Duration.between(now, freeAt);
                    }
                    record(now, "bulk");
                    return Duration.ZERO;
                });
                if (wait.isZero()) {
                    return true;
                }
                Duration pause = wait.plus(BULK_POLL);
                if (System.nanoTime() + pause.toNanos() > deadline) {
                    return false;
                }
                sleep(pause);
            }
        }
        finally {
            bulkTurn.unlock();
        }
    }

    private void lock() {
        jdbc.queryForObject("SELECT pg_advisory_xact_lock(?)::text", String.class, LOCK_KEY);
    }

    /**
     * The database's time, the latest call start (possibly a future reservation), the latest
     * interactive and bulk calls, and the starts of the {@code rate}-th most recent call and of the
     * {@code rate - reserve}-th most recent bulk call (null when there were fewer).
     */
    private record Window(Instant now, Instant last, Instant lastInteractive, Instant lastBulk, Instant nthLatest,
            Instant nthLatestBulk) {
    }

    private Window window() {
        return jdbc.queryForObject("""
                SELECT clock_timestamp() AS now,
                       (SELECT max(at) FROM twilio_calls) AS last,
                       (SELECT max(at) FROM twilio_calls WHERE origin = 'interactive') AS last_interactive,
                       (SELECT max(at) FROM twilio_calls WHERE origin = 'bulk') AS last_bulk,
                       (SELECT at FROM twilio_calls ORDER BY at DESC OFFSET ? LIMIT 1) AS nth,
                       (SELECT at FROM twilio_calls WHERE origin = 'bulk' ORDER BY at DESC OFFSET ? LIMIT 1) AS nth_bulk
                """, (rs, row) -> new Window(rs.getTimestamp("now").toInstant(), instant(rs.getTimestamp("last")),
                instant(rs.getTimestamp("last_interactive")), instant(rs.getTimestamp("last_bulk")),
                instant(rs.getTimestamp("nth")),
                instant(rs.getTimestamp("nth_bulk"))), rate - 1, bulkRate - 1);
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    private void record(Instant start, String origin) {
        jdbc.update("INSERT INTO twilio_calls (at, origin) VALUES (?, ?)", Timestamp.from(start), origin);
        if (decisions.incrementAndGet() % 500 == 0) {
            jdbc.update("DELETE FROM twilio_calls WHERE at < clock_timestamp() - interval '1 minute'");
        }
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
}
