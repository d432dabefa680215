package dev.spamcheck.gateway.lookup;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.schemas.topic.SourceVerdict;
import reactor.core.publisher.Flux;

/** Every check of a number: the recent ones ({@code lookup_results}) and the archived ({@code lookup_history}). */
@Repository
class NumberChecks {

    private final DatabaseClient db;

    NumberChecks(DatabaseClient db) {
        this.db = db;
    }

    /** The number's latest {@code limit} checks, newest first. */
    Flux<Check> latest(String numberHash, int limit) {
        return db.sql("""
                SELECT checked_at, outcome, spam_score, risk, sources::text AS sources, origin, false AS archived
                  FROM lookup_results WHERE number_hash = :hash
                UNION ALL
                SELECT checked_at, outcome, spam_score, risk, sources::text AS sources, origin, true AS archived
                  FROM lookup_history WHERE number_hash = :hash
                 ORDER BY checked_at DESC
                 LIMIT :limit
                """)
                .bind("hash", numberHash)
                .bind("limit", limit)
                .map(row -> {
                    Short score = row.get("spam_score", Short.class);
                    Short risk = row.get("risk", Short.class);
                    return new Check(row.get("checked_at", OffsetDateTime.class).toInstant(),
                            row.get("outcome", String.class), score == null ? null : score.intValue(),
                            risk == null ? null : risk.intValue(), SourceVerdict.fromJson(row.get("sources", String.class)),
                            row.get("origin", String.class), Boolean.TRUE.equals(row.get("archived", Boolean.class)));
                })
                .all();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Check(@JsonProperty("checked_at") Instant checkedAt, @JsonProperty("outcome") String outcome,
            @JsonProperty("spam_score") Integer spamScore, @JsonProperty("risk") Integer risk,
            @JsonProperty("sources") List<SourceVerdict> sources, @JsonProperty("origin") String origin,
            @JsonProperty("archived") boolean archived) {
    }
}
