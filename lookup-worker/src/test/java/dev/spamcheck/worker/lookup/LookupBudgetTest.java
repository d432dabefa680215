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

    @Test
    void theTimeACallerGaveIsFromItsRequestToItsDeadlineAndNeverLessThanWhatIsLeft() {
        LookupRequest hurried = request(Origin.INTERACTIVE, NOW.minusMillis(200), NOW.plusMillis(800));
        assertThat(LookupProcessor.given(hurried, Duration.ofMillis(550), LOOKUP, PREWARM))
                .isEqualTo(Duration.ofSeconds(1).minus(LookupProcessor.PUBLISH_MARGIN));
        LookupRequest patient = request(Origin.INTERACTIVE, NOW, NOW.plusSeconds(30));
        assertThat(LookupProcessor.given(patient, Duration.ofSeconds(2), LOOKUP, PREWARM)).isEqualTo(LOOKUP);
        // This worker's clock behind the gateway's: more is left by it than the request's own times give.
        assertThat(LookupProcessor.given(hurried, Duration.ofMillis(900), LOOKUP, PREWARM))
                .isEqualTo(Duration.ofMillis(900));
        assertThat(LookupProcessor.given(request(Origin.INTERACTIVE, null, NOW.plusSeconds(1)), Duration.ofMillis(700),
                LOOKUP, PREWARM)).as("no requested_at").isEqualTo(LOOKUP);
        assertThat(LookupProcessor.given(request(Origin.PREWARM, NOW, null), Duration.ofSeconds(1), LOOKUP, PREWARM))
                .isEqualTo(PREWARM);
    }

    private static LookupRequest request(Origin origin, Instant requestedAt, Instant deadline) {
        return new LookupRequest("r", "h", "c", "0123", origin, null, requestedAt, deadline);
    }

    private static Duration budget(Origin origin, Instant requestedAt, Instant deadline) {
        return LookupProcessor.budget(request(origin, requestedAt, deadline), NOW, LOOKUP, PREWARM);
    }
}
