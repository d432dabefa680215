package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.time.OffsetDateTime;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import dev.spamcheck.schemas.db.ReputationQueries;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import reactor.core.publisher.Mono;

/** Reads the cached answers in {@code phone_reputation}; freshness is judged by the database clock. */
@Repository
class ReputationCache {

    private final DatabaseClient db;

    ReputationCache(DatabaseClient db) {
        this.db = db;
    }

    Mono<Answer> findFresh(String numberHash, Duration ttl) {
        return db.sql(ReputationQueries.FIND_FRESH)
                .bind("hash", numberHash)
                .bind("ttl", ttl.toMillis() / 1000.0)
                .map(row -> {
                    Short score = row.get("spam_score", Short.class);
                    return new Answer(
                            Outcome.valueOf(row.get("outcome", String.class).toUpperCase(java.util.Locale.ROOT)),
                            score == null ? null : score.intValue(),
                            row.get("checked_at", OffsetDateTime.class).toInstant(),
                            null,
                            true);
                })
                .one();
    }
}
