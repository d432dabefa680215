package dev.spamcheck.gateway.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * A budget of failed authentications per client address, consulted before a presented token is
 * checked against the database, so guessing tokens costs the guesser, not PostgreSQL. IPv6
 * clients are budgeted per /64, the block one subscriber usually holds. Budgets of addresses
 * that stop failing are forgotten, so memory stays bounded however many addresses try.
 */
final class FailedAuthentications {

    private static final int IPV6_PREFIX_BYTES = 8;

    private final RateLimiterConfig budget;
    private final Cache<String, AtomicRateLimiter> budgets;
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
        AtomicRateLimiter limiter = budgets.getIfPresent(key(address));
        if (limiter == null || limiter.getDetailedMetrics().getAvailablePermissions() > 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(1, limiter.getDetailedMetrics().getNanosToWait()));
    }

    /** Spends one failure of the address's budget. */
    void record(InetAddress address) {
        budgets.get(key(address), name -> new AtomicRateLimiter(name, budget, Map.of(), nanoTime)).acquirePermission();
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
