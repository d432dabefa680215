package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class FailedAuthenticationsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final FailedAuthentications failures = new FailedAuthentications(3, Duration.ofMinutes(1), now::get);

    @Test
    void anAddressMayFailUpToItsBudgetThenWaitsForTheNextWindow() throws Exception {
        InetAddress client = InetAddress.getByName("192.0.2.7");
        for (int i = 0; i < 3; i++) {
            assertThat(failures.waitBefore(client)).isZero();
            failures.record(client);
        }

        Duration wait = failures.waitBefore(client);
        assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));

        now.addAndGet(wait.toNanos());
        assertThat(failures.waitBefore(client)).isZero();
    }

    @Test
    void otherAddressesKeepTheirOwnBudget() throws Exception {
        InetAddress guesser = InetAddress.getByName("192.0.2.7");
        for (int i = 0; i < 3; i++) {
            failures.record(guesser);
        }
        assertThat(failures.waitBefore(guesser)).isPositive();
        assertThat(failures.waitBefore(InetAddress.getByName("192.0.2.8"))).isZero();
    }

    @Test
    void anIpv6Slash64SharesOneBudget() throws Exception {
        for (int i = 0; i < 3; i++) {
            failures.record(InetAddress.getByName("2001:db8:1:2::" + (i + 1)));
        }
        assertThat(failures.waitBefore(InetAddress.getByName("2001:db8:1:2:ffff::9"))).isPositive();
        assertThat(failures.waitBefore(InetAddress.getByName("2001:db8:1:3::1"))).isZero();
    }
}
