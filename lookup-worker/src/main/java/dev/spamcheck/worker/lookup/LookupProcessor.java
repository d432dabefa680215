package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.stereotype.Service;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupRequest.Origin;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.ReputationStore.StoredAnswer;
import dev.spamcheck.worker.twilio.TwilioAnswer;
import dev.spamcheck.worker.twilio.TwilioLookups;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers one lookup request, paying Twilio at most once per number per TTL: from the cache when
 * a fresh answer exists; otherwise whoever claims the number asks Twilio while duplicates wait for
 * that answer.
 */
@Service
public class LookupProcessor {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration CLAIM_MARGIN = Duration.ofSeconds(5);

    private final ReputationStore store;
    private final LookupClaims claims;
    private final TwilioLookups twilio;
    private final NumberProtection protection;
    private final WorkerProperties properties;
    private final MeterRegistry meters;

    LookupProcessor(ReputationStore store, LookupClaims claims, TwilioLookups twilio, NumberProtection protection,
            WorkerProperties properties, MeterRegistry meters) {
        this.store = store;
        this.claims = claims;
        this.twilio = twilio;
        this.protection = protection;
        this.properties = properties;
        this.meters = meters;
    }

    public LookupResult process(LookupRequest request) throws InterruptedException {
        boolean interactive = request.origin() == Origin.INTERACTIVE;
        Duration budget = interactive ? properties.lookupBudget() : properties.prewarmBudget();
        long deadline = System.nanoTime() + budget.toNanos();
        while (true) {
            Optional<StoredAnswer> fresh = store.findFresh(request.numberHash(), properties.cacheTtl());
            if (fresh.isPresent()) {
                meters.counter("spamcheck.lookup.cache", "result", "hit").increment();
                return result(request, fresh.get(), true);
            }
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (claims.tryClaim(request.numberHash(), left.plus(CLAIM_MARGIN))) {
                try {
                    meters.counter("spamcheck.lookup.cache", "result", "miss").increment();
                    return askTwilio(request, interactive, left);
                }
                finally {
                    claims.release(request.numberHash());
                }
            }
            // Another lookup of this number is under way: its answer will do.
            while (claims.isClaimed(request.numberHash()) && store.findFresh(request.numberHash(),
                    properties.cacheTtl()).isEmpty()) {
                if (System.nanoTime() + POLL.toNanos() > deadline) {
                    return unavailable(request, "lookup_in_progress");
                }
                Thread.sleep(POLL.toMillis());
            }
        }
    }

    private LookupResult askTwilio(LookupRequest request, boolean interactive, Duration budget) {
        String e164 = protection.decrypt(request.numberCiphertext(), request.numberHash());
        TwilioAnswer answer = twilio.lookup(e164, interactive, budget);
        if (answer instanceof TwilioAnswer.Scored scored) {
            return result(request, store.save(request, Outcome.SCORED, scored.spamScore()), false);
        }
        if (answer instanceof TwilioAnswer.NotFound) {
            return result(request, store.save(request, Outcome.NOT_FOUND, null), false);
        }
        return unavailable(request, ((TwilioAnswer.Unavailable) answer).errorCode());
    }

    private static LookupResult unavailable(LookupRequest request, String errorCode) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), Outcome.UNAVAILABLE, null, Instant.now(), errorCode, false);
    }

    private static LookupResult result(LookupRequest request, StoredAnswer answer, boolean fromCache) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), answer.outcome(), answer.spamScore(), answer.checkedAt(), null, fromCache);
    }
}
