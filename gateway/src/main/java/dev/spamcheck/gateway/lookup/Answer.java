package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;

/**
 * What is known about a number, from the cache or from lookup-worker.
 *
 * @param stale a cached score older than the cache's TTL, given because no fresh one could be had
 * @param retryAfter for an unavailable answer, when asking again may help (e.g. the rest of Twilio's
 *        circuit breaker's open time), if lookup-worker said
 * @param risk the sources' combined grade, 0 to 100, where any graded
 * @param sources each source's verdict, for a score checked since there were several
 */
record Answer(Outcome outcome, Integer spamScore, Instant checkedAt, String errorCode, boolean fromCache,
        boolean stale, Duration retryAfter, Integer risk, List<SourceVerdict> sources) {

    Answer(Outcome outcome, Integer spamScore, Instant checkedAt, String errorCode, boolean fromCache, boolean stale) {
        this(outcome, spamScore, checkedAt, errorCode, fromCache, stale, null, null, null);
    }

    /** A worker's answer: from the cache when it found the number's answer stored (audited as a hit). */
    static Answer of(LookupResult result) {
        return new Answer(result.outcome(), result.spamScore(), result.checkedAt(), result.errorCode(),
                result.fromCache(), false, result.retryAfterSeconds() == null ? null
                        : Duration.ofSeconds(result.retryAfterSeconds()), result.risk(), result.sources());
    }

    /** This cached answer, given as stale. */
    Answer asStale() {
        return new Answer(outcome, spamScore, checkedAt, errorCode, true, true, null, risk, sources);
    }
}
