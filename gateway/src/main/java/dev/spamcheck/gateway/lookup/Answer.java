package dev.spamcheck.gateway.lookup;

import java.time.Instant;

import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;

/** What is known about a number, from the cache or from lookup-worker. */
record Answer(Outcome outcome, Integer spamScore, Instant checkedAt, String errorCode, boolean fromCache) {

    static Answer of(LookupResult result) {
        return new Answer(result.outcome(), result.spamScore(), result.checkedAt(), result.errorCode(), false);
    }
}
