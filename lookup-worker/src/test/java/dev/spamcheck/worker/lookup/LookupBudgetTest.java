package dev.spamcheck.worker.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupRequest.Origin;

/** How long a request may take in the worker: never past its caller's deadline. */
class LookupBudgetTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Duration LOOKUP = Duration.ofMillis(4500);
    private static final Duration PREWARM = Duration.ofSeconds(60);

    @Test
    void anInteractiveRequestHasUntilItsDeadlineLessTheTimeToDeliverTheAnswer() {
        assertThat(budget(Origin.INTERACTIVE, NOW.minusSeconds(3), NOW.plusSeconds(2)))
                .isEqualTo(Duration.ofSeconds(2).minus(LookupProcessor.PUBLISH_MARGIN));
    }

    @Test
    void aRequestTakenLateHasLittleOrNoTimeLeft() {
        assertThat(budget(Origin.INTERACTIVE, NOW.minusSeconds(30), NOW.minusSeconds(25))).isNegative();
    }

    @Test
    void theLookupBudgetCapsAFarDeadline() {
        assertThat(budget(Origin.INTERACTIVE, NOW, NOW.plusSeconds(60))).isEqualTo(LOOKUP);
    }

    @Test
    void requestsWithoutADeadlineHaveTheLookupBudgetAndBulkWorkItsOwn() {
        assertThat(budget(Origin.INTERACTIVE, NOW, null)).isEqualTo(LOOKUP);
        assertThat(budget(Origin.PREWARM, NOW, null)).isEqualTo(PREWARM);
        assertThat(budget(Origin.RECHECK, NOW.minusSeconds(3600), null)).isEqualTo(PREWARM);
    }

    private static Duration budget(Origin origin, Instant requestedAt, Instant deadline) {
        LookupRequest request = new LookupRequest("r", "h", "c", "0123", origin, null, requestedAt, deadline);
        return LookupProcessor.budget(request, NOW, LOOKUP, PREWARM);
    }
}
