package dev.spamcheck.worker.lookup;

import java.time.Instant;
import java.util.Optional;

import org.springframework.stereotype.Service;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.ReputationStore.StoredAnswer;
import dev.spamcheck.worker.twilio.TwilioAnswer;
import dev.spamcheck.worker.twilio.TwilioLookupClient;

/**
 * Answers one lookup request: from the cache when a fresh answer exists (a duplicate request
 * must not cost a second Twilio call), otherwise from Twilio, storing definitive answers.
 */
@Service
class LookupProcessor {

    private final ReputationStore store;
    private final TwilioLookupClient twilio;
    private final NumberProtection protection;
    private final WorkerProperties properties;

    LookupProcessor(ReputationStore store, TwilioLookupClient twilio, NumberProtection protection,
            WorkerProperties properties) {
        this.store = store;
        this.twilio = twilio;
        this.protection = protection;
        this.properties = properties;
    }

    LookupResult process(LookupRequest request) {
        Optional<StoredAnswer> fresh = store.findFresh(request.numberHash(), properties.cacheTtl());
        if (fresh.isPresent()) {
            return result(request, fresh.get(), true);
        }
        String e164 = protection.decrypt(request.numberCiphertext(), request.numberHash());
        TwilioAnswer answer = twilio.lookup(e164);
        if (answer instanceof TwilioAnswer.Scored scored) {
            return result(request, store.save(request, Outcome.SCORED, scored.spamScore()), false);
        }
        if (answer instanceof TwilioAnswer.NotFound) {
            return result(request, store.save(request, Outcome.NOT_FOUND, null), false);
        }
        String errorCode = ((TwilioAnswer.Unavailable) answer).errorCode();
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), Outcome.UNAVAILABLE, null, Instant.now(), errorCode, false);
    }

    private static LookupResult result(LookupRequest request, StoredAnswer answer, boolean fromCache) {
        return new LookupResult(request.requestId(), request.numberHash(), request.numberCiphertext(),
                request.last4(), answer.outcome(), answer.spamScore(), answer.checkedAt(), null, fromCache);
    }
}
