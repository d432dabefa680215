package dev.spamcheck.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Retention and batch settings as an operator writes them: what starts, and what refuses to. */
class ArchiverPropertiesTest {

    private static ArchiverProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck",
                ArchiverProperties.class);
    }

    @Test
    void durationsWithTheirUnitBind() {
        ArchiverProperties properties = bind(Map.of("spamcheck.purge-after", "400d", "spamcheck.archive-after", "P7D",
                "spamcheck.nightly.recheck-older-than", "12h", "spamcheck.nightly.max-rechecks", "0"));
        assertThat(properties.purgeAfter()).isEqualTo(Duration.ofDays(400));
        assertThat(properties.archiveAfter()).isEqualTo(Duration.ofDays(7));
        assertThat(properties.nightly().recheckOlderThan()).isEqualTo(Duration.ofHours(12));
        assertThat(properties.nightly().maxRechecks()).isZero();
    }

    @Test
    void aBareNumberOfDaysIsRefusedNotReadAsMilliseconds() {
        // Read as 365 ms, the next night would purge every audit row and cached answer.
        assertThatThrownBy(() -> bind(Map.of("spamcheck.purge-after", "365"))).rootCause()
                .hasMessage("spamcheck.purge-after is PT0.365S, less than PT24H; write durations with their unit, "
                        + "as P365D or 365d (a bare number is milliseconds)");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.archive-after", "30"))).rootCause()
                .hasMessageStartingWith("spamcheck.archive-after is PT0.03S");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.webhooks.keep-finished-for", "P0D"))).rootCause()
                .hasMessageStartingWith("spamcheck.webhooks.keep-finished-for is PT0S");
        // Each re-check is a paid lookup.
        assertThatThrownBy(() -> bind(Map.of("spamcheck.nightly.recheck-older-than", "24"))).rootCause()
                .hasMessageStartingWith("spamcheck.nightly.recheck-older-than is PT0.024S");
    }

    @Test
    void batchesThatCouldDoNothingOrFailEveryNightAreRefused() {
        assertThatThrownBy(() -> bind(Map.of("spamcheck.archive.batch-size", "0"))).rootCause()
                .hasMessageStartingWith("spamcheck.archive.batch-size must be at least 1");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.nightly.max-rechecks", "-1"))).rootCause()
                .hasMessageStartingWith("spamcheck.nightly.max-rechecks and active-within must not be negative");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.nightly.retry-initial-interval", "10m"))).rootCause()
                .hasMessageEndingWith("retry-initial-interval must be positive and at most retry-max-interval");
    }
}
