package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.OffsetDateTime;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.db.ReputationQueries;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import reactor.core.publisher.Mono;

/** Reads the cached answers in {@code phone_reputation}; freshness is judged by the database clock. */
@Repository
class ReputationCache {

    private final DatabaseClient db;

    ReputationCache(DatabaseClient db) {
        this.db = db;
    }

    /**
     * The number's cached answer if it was checked less than {@code maxAge} ago: the TTL for a
     * fresh answer, {@code stale-if-error} for a stale one.
     */
    Mono<Answer> findFresh(String numberHash, Duration maxAge) {
        return db.sql(ReputationQueries.FIND_FRESH)
                .bind("hash", numberHash)
                .bind("ttl", maxAge.toMillis() / 1000.0)
                .map(row -> {
                    Short score = row.get("spam_score", Short.class);
                    Short risk = row.get("risk", Short.class);
                    return new Answer(
                            Outcome.valueOf(row.get("outcome", String.class).toUpperCase(java.util.Locale.ROOT)),
                            score == null ? null : score.intValue(),
                            row.get("checked_at", OffsetDateTime.class).toInstant(),
                            null,
                            true,
                            false,
                            null,
                            risk == null ? null : risk.intValue(),
                            SourceVerdict.fromJson(row.get("sources", String.class)));
                })
                .one();
    }
}
