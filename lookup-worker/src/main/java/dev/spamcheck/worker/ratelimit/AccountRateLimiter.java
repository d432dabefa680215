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
 * interactive reservation waits, and leave {@code interactive-reserve} calls of every window to
 * interactive traffic, so they only use budget interactive traffic leaves free.
 */
@Component
public class AccountRateLimiter {

    /**
     * A little over a second, so that the few milliseconds between a permit and the call reaching
     * Twilio cannot put one call too many into a one-second window as Twilio counts it.
     */
    static final Duration WINDOW = Duration.ofMillis(1020);
    private static final long LOCK_KEY = 0x5350414d43484bL;
    private static final Duration BULK_POLL = Duration.ofMillis(10);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final int rate;
    private final int bulkRate;
    // One bulk thread per worker asks the database at a time: the others would only ask the same.
    private final ReentrantLock bulkTurn = new ReentrantLock(true);
    private final AtomicInteger decisions = new AtomicInteger();

    AccountRateLimiter(JdbcTemplate jdbc, TransactionTemplate transactions, WorkerProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.rate = properties.twilio().rate();
        this.bulkRate = Math.max(1, rate - properties.twilio().interactiveReserve());
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
            Instant now = now();
            Instant slot = latest(now, nthLatestStart(rate).map(start -> start.plus(WINDOW)).orElse(now),
                    lastStart().orElse(now));
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
                    Instant now = now();
                    Instant last = lastStart().orElse(Instant.MIN);
                    if (last.isAfter(now)) {
                        return Duration.between(now, last);
                    }
                    Instant freeAt = nthLatestStart(bulkRate).map(start -> start.plus(WINDOW)).orElse(now);
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

    private Instant now() {
        return jdbc.queryForObject("SELECT clock_timestamp()", Timestamp.class).toInstant();
    }

    private java.util.Optional<Instant> lastStart() {
        Timestamp last = jdbc.queryForObject("SELECT max(at) FROM twilio_calls", Timestamp.class);
        return java.util.Optional.ofNullable(last).map(Timestamp::toInstant);
    }

    /** The start of the n-th most recent call, if there were n. */
    private java.util.Optional<Instant> nthLatestStart(int n) {
        return jdbc.query("SELECT at FROM twilio_calls ORDER BY at DESC OFFSET ? LIMIT 1",
                (rs, row) -> rs.getTimestamp(1).toInstant(), n - 1).stream().findFirst();
    }

    private void record(Instant start, String origin) {
        jdbc.update("INSERT INTO twilio_calls (at, origin) VALUES (?, ?)", Timestamp.from(start), origin);
        if (decisions.incrementAndGet() % 500 == 0) {
            jdbc.update("DELETE FROM twilio_calls WHERE at < clock_timestamp() - interval '1 minute'");
        }
    }

    private static Instant latest(Instant a, Instant b, Instant c) {
        Instant max = a.isAfter(b) ? a : b;
        return max.isAfter(c) ? max : c;
    }

    private static void sleep(Duration duration) throws InterruptedException {
        if (!duration.isZero() && !duration.isNegative()) {
            Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    }
}
