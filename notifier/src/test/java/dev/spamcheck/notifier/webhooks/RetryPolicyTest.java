package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final Instant CREATED = Instant.parse("2026-11-26T00:00:00Z");
    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofHours(24));

    @RepeatedTest(20)
    void backsOffExponentiallyWithJitter() {
        Instant now = CREATED.plusSeconds(60);
        assertThat(Duration.between(now, policy.nextAttempt(1, CREATED, now, null)))
                .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(15));
        assertThat(Duration.between(now, policy.nextAttempt(3, CREATED, now, null)))
                .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(60));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 15})
    void jitterSpreadsRetriesOfTheSameAttemptAtTheLongestIntervalToo(int attempt) {
        Instant now = CREATED.plusSeconds(60);
        java.util.List<Duration> waits = java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> Duration.between(now, policy.nextAttempt(attempt, CREATED, now, null))).toList();
        assertThat(waits.stream().distinct().count()).isGreaterThan(20);
        if (attempt == 15) {
            assertThat(waits).allSatisfy(wait -> assertThat(wait).isBetween(Duration.ofMinutes(30), Duration.ofMinutes(90)))
                    .anySatisfy(wait -> assertThat(wait).isLessThan(Duration.ofMinutes(50)));
        }
    }

    @RepeatedTest(10)
    void neverWaitsMuchMoreThanTheLongestInterval() {
        Instant now = CREATED.plusSeconds(60);
        assertThat(Duration.between(now, policy.nextAttempt(30, CREATED, now, null)))
                .isLessThanOrEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void waitsAtLeastWhatRetryAfterAsks() {
        Instant now = CREATED.plusSeconds(60);
        assertThat(policy.nextAttempt(1, CREATED, now, Duration.ofMinutes(10))).isEqualTo(now.plus(Duration.ofMinutes(10)));
    }

    @Test
    void aShortRetryAfterDoesNotShortenTheBackOff() {
        Instant now = CREATED.plusSeconds(60);
        assertThat(Duration.between(now, policy.nextAttempt(3, CREATED, now, Duration.ofSeconds(1))))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(20));
    }

    @RepeatedTest(10)
    void aBackOffPastTheRetryWindowMakesOneLastTryAtItsEndAndThenGivesUp() {
        Instant end = CREATED.plus(Duration.ofHours(24));
        // Any wait (30 to 90 minutes at this attempt) from here passes the end: the delivery was
        // dead up to 90 minutes early.
        assertThat(policy.nextAttempt(20, CREATED, end.minus(Duration.ofMinutes(29)), null)).isEqualTo(end);
        assertThat(policy.nextAttempt(21, CREATED, end, null)).isNull();
        assertThat(policy.nextAttempt(1, CREATED, CREATED.plusSeconds(60), null)).isBefore(end);
    }

    @Test
    void aRetryAfterPastTheRetryWindowLeavesTheDeliveryDead() {
        // The receiver asked not to be called before then: no last try against its wish.
        assertThat(policy.nextAttempt(1, CREATED, CREATED.plusSeconds(60), Duration.ofDays(2))).isNull();
    }

    @Test
    void readsRetryAfterInSecondsOrAsAnHttpDate() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        assertThat(RetryPolicy.retryAfter("120", now)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryPolicy.retryAfter(" 7 ", now)).isEqualTo(Duration.ofSeconds(7));
        assertThat(RetryPolicy.retryAfter("Thu, 26 Nov 2026 10:05:00 GMT", now)).isEqualTo(Duration.ofMinutes(5));
        assertThat(RetryPolicy.retryAfter("Thu, 26 Nov 2026 09:00:00 GMT", now)).isEqualTo(Duration.ZERO);
    }

    @Test
    void ignoresARetryAfterItCannotRead() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        assertThat(RetryPolicy.retryAfter(null, now)).isNull();
        assertThat(RetryPolicy.retryAfter("", now)).isNull();
        assertThat(RetryPolicy.retryAfter("-5", now)).isNull();
        assertThat(RetryPolicy.retryAfter("soon", now)).isNull();
        assertThat(RetryPolicy.retryAfter("99999999999999999999", now)).isNull();
    }
}
