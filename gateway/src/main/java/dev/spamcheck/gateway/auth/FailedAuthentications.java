package dev.spamcheck.gateway.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * A budget of failed authentications per client address, consulted before a presented token is
 * checked against the database, so guessing tokens costs the guesser, not PostgreSQL. A check
 * under way holds a part of the budget until its answer ({@link #startCheck}): otherwise many
 * guesses sent at once would all find it unspent, and each cost a query. IPv6 clients are
 * budgeted per /64, the block one subscriber usually holds. Budgets of addresses that stop
 * failing are forgotten, so memory stays bounded however many addresses try.
 */
final class FailedAuthentications {

    private static final int IPV6_PREFIX_BYTES = 8;

    private final RateLimiterConfig budget;
    private final Cache<String, Budget> budgets;
    private final Supplier<Long> nanoTime;

    /**
     * @param limit failed authentications allowed per address in each window
     * @param window how often the budget is refilled
     */
    FailedAuthentications(int limit, Duration window) {
        this(limit, window, System::nanoTime);
    }

    /** @param nanoTime the clock, for tests */
    FailedAuthentications(int limit, Duration window, Supplier<Long> nanoTime) {
        this.nanoTime = nanoTime;
        this.budget = RateLimiterConfig.custom()
                .limitForPeriod(limit)
                .limitRefreshPeriod(window)
                .timeoutDuration(Duration.ZERO)
                .build();
        this.budgets = Caffeine.newBuilder()
                .expireAfterAccess(window.multipliedBy(2))
                .maximumSize(100_000)
                .build();
    }

    /** How long the address must wait before its credentials are checked again; zero when they may be now. */
    Duration waitBefore(InetAddress address) {
        Budget found = budgets.getIfPresent(key(address));
        if (found == null || found.limiter().getDetailedMetrics().getAvailablePermissions() > 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(1, found.limiter().getDetailedMetrics().getNanosToWait()));
    }

    /** Spends one failure of the address's budget. */
    void record(InetAddress address) {
        budget(address).limiter().acquirePermission();
    }

    /**
     * A database check of a token from the address, holding one failure's worth of its budget
     * until {@link Check#end}; null when the checks under way and the failures spent leave none.
     */
    Check startCheck(InetAddress address) {
        Budget found = budget(address);
        while (true) {
            int underWay = found.checking().get();
            if (found.limiter().getDetailedMetrics().getAvailablePermissions() - underWay <= 0) {
                return null;
            }
            if (found.checking().compareAndSet(underWay, underWay + 1)) {
                return new Check(found.checking());
            }
        }
    }

    /** A check under way; ended once, however often it is told (a failure, a success, a cancellation). */
    static final class Check {

        private final AtomicInteger checking;
        private final AtomicBoolean ended = new AtomicBoolean();

        private Check(AtomicInteger checking) {
            this.checking = checking;
        }

        void end() {
            if (ended.compareAndSet(false, true)) {
                checking.decrementAndGet();
            }
        }
    }

    private Budget budget(InetAddress address) {
        return budgets.get(key(address),
                name -> new Budget(new AtomicRateLimiter(name, budget, Map.of(), nanoTime), new AtomicInteger()));
    }

    /** An address's failures, and its checks under way. */
    private record Budget(AtomicRateLimiter limiter, AtomicInteger checking) {
    }

    private static String key(InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            bytes = Arrays.copyOf(bytes, IPV6_PREFIX_BYTES);
        }
        return HexFormat.of().formatHex(bytes);
    }
}
