package dev.spamcheck.gateway.providers;

import java.time.LocalDate;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import reactor.core.publisher.Flux;

/** {@code provider_agreement}: how often each shadow provider agreed with the answers given, per UTC day. */
@Repository
class ProviderAgreements {

    private final DatabaseClient db;

    ProviderAgreements(DatabaseClient db) {
        this.db = db;
    }

    /** The last {@code days} days' figures, by provider, newest day first. */
    Flux<Day> lastDays(int days) {
        return db.sql("""
                SELECT provider, day, agreed, disagreed, undecided FROM provider_agreement
                 WHERE day > (now() AT TIME ZONE 'UTC')::date - :days
                 ORDER BY provider, day DESC
                """)
                .bind("days", days)
                .map(row -> new Day(row.get("provider", String.class), row.get("day", LocalDate.class),
                        row.get("agreed", Integer.class), row.get("disagreed", Integer.class),
                        row.get("undecided", Integer.class)))
                .all();
    }

    record Day(String provider, LocalDate day, int agreed, int disagreed, int undecided) {
    }
}
