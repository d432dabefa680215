package dev.spamcheck.worker.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class DailyLimitWarningTest {

    @Test
    void warnsOnceAtEightyPercentAndOnceAtTheLimit() {
        assertThat(IntStream.rangeClosed(1, 120).mapToObj(calls -> DailyLimitWarning.of(calls, 100))
                .filter(java.util.Optional::isPresent).map(java.util.Optional::get))
                .hasSize(2)
                .satisfiesExactly(
                        first -> assertThat(first).contains("80 %").contains("80 of 100"),
                        second -> assertThat(second).contains("reached").contains("100 of 100"));
    }

    @Test
    void whereEightyPercentRoundsUpToTheLimitTheLimitIsWhatIsSaid() {
        assertThat(IntStream.rangeClosed(1, 5).filter(calls -> DailyLimitWarning.of(calls, 3).isPresent()))
                .containsExactly(3);
        assertThat(DailyLimitWarning.of(3, 3)).hasValueSatisfying(line -> assertThat(line).contains("reached"));
        assertThat(IntStream.rangeClosed(1, 10).filter(calls -> DailyLimitWarning.of(calls, 10).isPresent()))
                .containsExactly(8, 10);
    }

    @Test
    void noLimitNoWarning() {
        assertThat(DailyLimitWarning.of(1_000_000, 0)).isEmpty();
    }
}
