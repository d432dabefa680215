package dev.spamcheck.worker.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class AdaptiveRateTest {

    private static final Instant T = Instant.parse("2026-11-25T12:00:00Z");
    private final AdaptiveRate rate = new AdaptiveRate(25, 1);

    @Test
    void withoutACutTheRateIsTheConfiguredOne() {
        assertThat(rate.at(T, null, null)).isEqualTo(25);
    }

    @Test
    void aRateLimitAnswerHalvesTheRateWhichThenClimbsBackOneCallPerSecondEachSecond() {
        Double cut = rate.cut(T, null, null);
        assertThat(cut).isEqualTo(12.5);
        assertThat(rate.at(T, cut, T)).isEqualTo(12.5);
        assertThat(rate.at(T.plusSeconds(4), cut, T)).isCloseTo(16.5, within(1e-9));
        assertThat(rate.at(T.plusSeconds(60), cut, T)).isEqualTo(25);
    }

    @Test
    void aBurstOfRateLimitAnswersCutsOnce() {
        Double first = rate.cut(T, null, null);
        assertThat(rate.cut(T.plusMillis(500), first, T)).isNull();
        assertThat(rate.cut(T.plusMillis(1100), first, T)).isCloseTo(6.8, within(1e-9));
    }

    @Test
    void cutsNeverGoBelowTheFloor() {
        Double cut = 1.5;
        assertThat(rate.cut(T, cut, T.minusSeconds(2))).isEqualTo(1.75);
        assertThat(rate.cut(T, 1.0, T.minusSeconds(1).minusMillis(100))).isEqualTo(1.05);
        assertThat(new AdaptiveRate(25, 1).cut(T, 0.5, T.minusSeconds(5))).isEqualTo(2.75);
        assertThat(new AdaptiveRate(1, 1).cut(T, null, null)).isEqualTo(1);
    }

    @Test
    void aWindowHoldsWholeCallsAndAtLeastOne() {
        assertThat(AdaptiveRate.callsPerWindow(12.5)).isEqualTo(12);
        assertThat(AdaptiveRate.callsPerWindow(0.4)).isEqualTo(1);
    }
}
