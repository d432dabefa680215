package dev.spamcheck.worker.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.worker.lookup.LookupClaims.Attempt;
import dev.spamcheck.worker.lookup.ReputationStore.Progress;
import dev.spamcheck.worker.twilio.CallGuard;

/**
 * The one statement that starts a lookup, against a real PostgreSQL: a fresh answer is given and
 * nothing claimed; otherwise the number is claimed unless another holds it, an interactive
 * lookup taking over a bulk claim that is not calling; and storing an answer gives the claim up.
 */
class LookupClaimsTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration TTL = Duration.ofHours(24);
    /** A request other than the one that paid for any answer here. */
    private static final String REQUEST_ID = UUID.randomUUID().toString();
    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final LookupClaims claims = new LookupClaims(jdbc);
    private final ReputationStore store = new ReputationStore(jdbc);

    @Test
    void aNumberWithoutAnAnswerIsClaimedOnceAndStoringItsAnswerGivesTheClaimUp() {
        String hash = hash();
        UUID first = UUID.randomUUID();

        Attempt claimed = claims.claimUnlessFresh(hash, REQUEST_ID, first, false, LEASE, TTL);
        Attempt second = claims.claimUnlessFresh(hash, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL);

        assertThat(claimed.claimed()).isTrue();
        assertThat(claimed.fresh()).isEmpty();
        assertThat(second.claimed()).as("held by the first").isFalse();
        assertThat(second.fresh()).isEmpty();
        assertThat(holder(hash)).isEqualTo(first.toString());

        store.save(request(hash), first, Outcome.SCORED, 1, 90, null);

        assertThat(holder(hash)).as("given up with the stored answer").isNull();
        Attempt after = claims.claimUnlessFresh(hash, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL);
        assertThat(after.claimed()).isFalse();
        assertThat(after.fresh()).hasValueSatisfying(answer -> {
            assertThat(answer.outcome()).isEqualTo(Outcome.SCORED);
            assertThat(answer.spamScore()).isEqualTo(1);
            assertThat(answer.risk()).isEqualTo(90);
        });
        assertThat(holder(hash)).as("nothing claimed for a fresh answer").isNull();
    }

    @Test
    void theRequestThatPaidForTheFreshAnswerFindsItAsItsOwnAndNoOtherDoes() {
        String hash = hash();
        UUID owner = UUID.randomUUID();
        LookupRequest paying = request(hash);
        claims.claimUnlessFresh(hash, paying.requestId(), owner, false, LEASE, TTL);
        store.save(paying, owner, Outcome.SCORED, 1, 90, null);

        // Handled again (its worker died before Kafka took its result): its own paid answer.
        Attempt again = claims.claimUnlessFresh(hash, paying.requestId(), UUID.randomUUID(), false, LEASE, TTL);
        assertThat(again.fresh()).isPresent();
        assertThat(again.paidByRequest()).isTrue();
        assertThat(store.findFresh(hash, paying.requestId(), TTL).paidByRequest()).isTrue();

        // Another request: an answer from the cache.
        assertThat(claims.claimUnlessFresh(hash, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL).paidByRequest())
                .isFalse();
        assertThat(store.findFresh(hash, REQUEST_ID, TTL).paidByRequest()).isFalse();

        // Paid again later by another request: the first's check is no longer the fresh answer.
        LookupRequest later = request(hash);
        UUID laterOwner = UUID.randomUUID();
        jdbc.sql("UPDATE phone_reputation SET checked_at = now() - interval '25 hours' WHERE number_hash = ?")
                .param(hash).update();
        claims.claimUnlessFresh(hash, later.requestId(), laterOwner, false, LEASE, TTL);
        store.save(later, laterOwner, Outcome.SCORED, 0, 10, null);
        assertThat(claims.claimUnlessFresh(hash, paying.requestId(), UUID.randomUUID(), false, LEASE, TTL)
                .paidByRequest()).isFalse();
        assertThat(store.findFresh(hash, later.requestId(), TTL).paidByRequest()).isTrue();
    }

    @Test
    void storingAnAnswerLeavesAnotherOwnersClaimAlone() {
        String hash = hash();
        UUID holder = UUID.randomUUID();
        claims.claimUnlessFresh(hash, REQUEST_ID, holder, false, LEASE, TTL);

        store.save(request(hash), UUID.randomUUID(), Outcome.NOT_FOUND, null, null, null);

        assertThat(holder(hash)).isEqualTo(holder.toString());
    }

    @Test
    void anAnswerOlderThanTheTtlIsNotFreshAndTheNumberIsClaimed() {
        String hash = hash();
        UUID owner = UUID.randomUUID();
        store.save(request(hash), owner, Outcome.SCORED, 0, 10, null);
        jdbc.sql("UPDATE phone_reputation SET checked_at = now() - interval '25 hours' WHERE number_hash = ?")
                .param(hash).update();

        Attempt attempt = claims.claimUnlessFresh(hash, REQUEST_ID, owner, false, LEASE, TTL);

        assertThat(attempt.fresh()).isEmpty();
        assertThat(attempt.claimed()).isTrue();
    }

    @Test
    void aLapsedClaimIsTakenAndAnInteractiveLookupTakesOverABulkClaimThatIsNotCalling() {
        String lapsed = hash();
        claims.claimUnlessFresh(lapsed, REQUEST_ID, UUID.randomUUID(), false, Duration.ofMillis(-1000), TTL);
        assertThat(claims.claimUnlessFresh(lapsed, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL).claimed()).isTrue();

        String bulk = hash();
        UUID bulkOwner = UUID.randomUUID();
        assertThat(claims.claimUnlessFresh(bulk, REQUEST_ID, bulkOwner, true, LEASE, TTL).claimed()).isTrue();
        assertThat(claims.claimUnlessFresh(bulk, REQUEST_ID, UUID.randomUUID(), true, LEASE, TTL).claimed())
                .as("bulk does not take over bulk").isFalse();
        UUID interactive = UUID.randomUUID();
        assertThat(claims.claimUnlessFresh(bulk, REQUEST_ID, interactive, false, LEASE, TTL).claimed()).isTrue();
        assertThat(claims.guard(bulk, bulkOwner).beginCall()).as("the bulk owner learns it before calling").isFalse();

        String calling = hash();
        UUID caller = UUID.randomUUID();
        claims.claimUnlessFresh(calling, REQUEST_ID, caller, true, LEASE, TTL);
        assertThat(claims.guard(calling, caller).beginCall()).isTrue();
        assertThat(claims.claimUnlessFresh(calling, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL).claimed())
                .as("a bulk claim calling Twilio is kept").isFalse();
    }

    @Test
    void anInteractiveWaiterSeesABulkClaimBetweenItsCallsAsOneToTakeOver() {
        String hash = hash();
        UUID bulkOwner = UUID.randomUUID();
        claims.claimUnlessFresh(hash, REQUEST_ID, bulkOwner, true, LEASE, TTL);
        CallGuard bulkCalls = claims.guard(hash, bulkOwner);
        assertThat(bulkCalls.beginCall()).isTrue();
        assertThat(store.progress(hash, false, TTL)).as("calling: wait for its answer").isEqualTo(Progress.CLAIMED);

        // The call failed; the bulk lookup backs off before its retry, or waits for rate budget.
        bulkCalls.endCall();

        assertThat(store.progress(hash, false, TTL)).as("an interactive waiter takes it over")
                .isEqualTo(Progress.SETTLED);
        assertThat(store.progress(hash, true, TTL)).as("another bulk lookup keeps waiting").isEqualTo(Progress.CLAIMED);
        assertThat(claims.claimUnlessFresh(hash, REQUEST_ID, UUID.randomUUID(), false, LEASE, TTL).claimed()).isTrue();
    }

    private String holder(String hash) {
        return jdbc.sql("SELECT owner::text FROM lookup_claims WHERE number_hash = ?").param(hash)
                .query(String.class).optional().orElse(null);
    }

    /** 64 hex digits, as a number hash is. */
    private static String hash() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    private static LookupRequest request(String hash) {
        return new LookupRequest(UUID.randomUUID().toString(), hash, "v1.k1.not-a-real-ciphertext", "0123",
                LookupRequest.Origin.INTERACTIVE, null, Instant.now(), Instant.now().plusSeconds(5));
    }
}
