package dev.spamcheck.gateway.keys;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Which keys the cached numbers are under ({@code phone_reputation}), and {@code key_rotations}. */
@Repository
class KeyRotations {

    private static final TypeReference<Map<String, Object>> COUNTS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Long>> NUMBERS = new TypeReference<>() {
    };

    private final DatabaseClient db;
    private final JsonMapper json;

    KeyRotations(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /**
     * Cached numbers per encryption key id as an archiver last counted them; empty before any has.
     * Counting reads the whole of {@code phone_reputation}, too much for an admin request.
     */
    Mono<CachedNumbers> cachedNumbers() {
        return db.sql("SELECT counts::text AS counts, counted_at FROM number_ciphertext_counts")
                .map(row -> new CachedNumbers(new TreeMap<>(json.readValue(row.get("counts", String.class), NUMBERS)),
                        row.get("counted_at", OffsetDateTime.class).toInstant()))
                .one();
    }

    /** The rotation started last; empty when there was none. */
    Mono<Rotation> last() {
        return db.sql("""
                SELECT id, status, active_key, started_at, finished_at, counts::text AS counts, error
                  FROM key_rotations ORDER BY started_at DESC LIMIT 1""")
                .map(this::rotation)
                .one();
    }

    private Rotation rotation(Readable row) {
        OffsetDateTime finished = row.get("finished_at", OffsetDateTime.class);
        return new Rotation(row.get("id", UUID.class).toString(), row.get("status", String.class),
                row.get("active_key", String.class), row.get("started_at", OffsetDateTime.class).toInstant(),
                finished == null ? null : finished.toInstant(), json.readValue(row.get("counts", String.class), COUNTS),
                row.get("error", String.class));
    }

    record CachedNumbers(Map<String, Long> byKey, Instant countedAt) {
    }

    record Rotation(String id, String status, String activeKey, Instant startedAt, Instant finishedAt,
            Map<String, Object> counts, String error) {
    }
}
