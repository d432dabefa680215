package dev.spamcheck.worker.shadow;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * A shadow provider's shared state in PostgreSQL, for every worker together: its calls per UTC day
 * ({@code provider_daily_calls}) and its agreement per day ({@code provider_agreement}).
 */
@Repository
public class ShadowStore {

    private final JdbcClient jdbc;

    public ShadowStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Counts one call against today's limit (0: none); false, and nothing counted, when it is reached. */
    boolean tryTakeCall(String provider, int dailyLimit) {
        return jdbc.sql("""
                INSERT INTO provider_daily_calls AS d (provider, day, calls)
                VALUES (:provider, (now() AT TIME ZONE 'UTC')::date, 1)
                ON CONFLICT (provider, day) DO UPDATE SET calls = d.calls + 1 WHERE d.calls < :limit
                RETURNING calls
                """)
                .param("provider", provider)
                .param("limit", dailyLimit == 0 ? Integer.MAX_VALUE : dailyLimit)
                .query(Integer.class)
                .optional()
                .isPresent();
    }

    void record(String provider, Agreement agreement) {
        // The column is one of three fixed names, never input.
        String column = agreement.label();
        jdbc.sql("""
                INSERT INTO provider_agreement AS a (provider, day, %1$s)
                VALUES (:provider, (now() AT TIME ZONE 'UTC')::date, 1)
                ON CONFLICT (provider, day) DO UPDATE SET %1$s = a.%1$s + 1
                """.formatted(column))
                .param("provider", provider)
                .update();
    }
}
