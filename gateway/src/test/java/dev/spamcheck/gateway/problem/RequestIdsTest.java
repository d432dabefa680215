package dev.spamcheck.gateway.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void idsAreUniqueVersion7UuidsThatSortByTime() {
        Set<UUID> seen = new HashSet<>();
        UUID first = RequestIds.timeOrdered();
        for (int i = 0; i < 100_000; i++) {
            UUID id = RequestIds.timeOrdered();
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(seen.add(id)).isTrue();
        }
        long millisecond = System.currentTimeMillis();
        while (System.currentTimeMillis() <= (first.getMostSignificantBits() >>> 16) || System.currentTimeMillis() == millisecond) {
            Thread.onSpinWait();
        }
        UUID later = RequestIds.timeOrdered();

        // The first 48 bits are the time in milliseconds: a later id sorts after, as text too.
        assertThat(later.toString()).isGreaterThan(first.toString());
        assertThat(first.getMostSignificantBits() >>> 16).isCloseTo(System.currentTimeMillis(), offset(5_000L));
    }
}
