package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.Test;

/**
 * A retry's time is set by the database's clock, which the claims compare it with, however far
 * this machine's clock is off.
 */
class DueDeliveryTest {

    @Test
    void theDatabasesClockIsCarriedOnFromTheClaimNotReadHere() {
        // The database's clock an hour ahead of this machine's.
        Instant databaseAtClaim = Instant.now().plus(1, ChronoUnit.HOURS);
        DueDelivery delivery = new DueDelivery(1, 1, "event", "number.flagged", Instant.now(), "hash", "0123", null,
                null, 0, 1, Instant.now(), "whk_1", "https://hooks.example.test/x", "sealed", false, databaseAtClaim,
                System.nanoTime());

        assertThat(delivery.databaseNow()).isCloseTo(databaseAtClaim, within(5, ChronoUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> delivery.databaseNow().isAfter(databaseAtClaim));
    }
}
