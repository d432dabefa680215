package dev.spamcheck.worker.ratelimit;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** The real account rate limiter for tests of other packages (its constructor is the container's). */
public final class AccountRateLimiterAccess {

    private AccountRateLimiterAccess() {
    }

    public static AccountRateLimiter create(JdbcClient jdbc, TransactionTemplate transactions,
            WorkerProperties properties, MeterRegistry meters) {
        return new AccountRateLimiter(jdbc, transactions, properties, meters);
    }
}
