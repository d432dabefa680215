package dev.spamcheck.gateway.keys;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.db.ReputationQueries;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/v1/admin/keys}: which encryption keys the cached numbers use, and the last
 * rotation; {@code POST /api/v1/admin/keys/rotate}: asks the archiver to move every stored number
 * ciphertext to the active key.
 */
@RestController
class KeyAdminController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;
    private final DatabaseClient db;
    private final NumberProtection protection;

    KeyAdminController(KafkaTemplate<String, String> kafka, MessageCodec codec, DatabaseClient db,
            NumberProtection protection) {
        this.kafka = kafka;
        this.codec = codec;
        this.db = db;
        this.protection = protection;
    }

    @GetMapping(path = "/api/v1/admin/keys", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<KeysView> keys() {
        Mono<Map<String, Long>> rowsByKey = db.sql(ReputationQueries.NUMBERS_BY_KEY)
                .map(row -> Map.entry(row.get("key_id", String.class), row.get("numbers", Long.class)))
                .all()
                .collect(LinkedHashMap::new, (map, entry) -> map.put(entry.getKey(), entry.getValue()));
        Mono<RotationView> last = db.sql("""
                SELECT id, status, active_key, started_at, finished_at, counts::text AS counts, error
                  FROM key_rotations ORDER BY started_at DESC LIMIT 1""")
                .map(row -> new RotationView(row.get("id", UUID.class).toString(), row.get("status", String.class),
                        row.get("active_key", String.class), row.get("started_at", OffsetDateTime.class).toInstant(),
                        instant(row.get("finished_at", OffsetDateTime.class)), counts(row.get("counts", String.class)),
                        row.get("error", String.class)))
                .one();
        return Mono.zip(rowsByKey, last.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty()))
                .map(both -> new KeysView(protection.activeKeyId(), both.getT1(), both.getT2().orElse(null)));
    }

    @PostMapping(path = "/api/v1/admin/keys/rotate", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<RotationView>> rotate(@AuthenticationPrincipal ApiToken admin, ServerWebExchange exchange) {
        return JsonBodies.read(exchange).flatMap(body -> {
            if (body != null && !body.isBlank()) {
                JsonBodies.object(body, Set.of());
            }
            NightlyTrigger trigger = new NightlyTrigger(UUID.randomUUID().toString(), LocalDate.now(ZoneOffset.UTC),
                    Instant.now(), "admin:" + admin.id(), NightlyTrigger.Job.KEY_ROTATION);
            return Mono.fromCallable(() -> kafka.send(Topics.ARCHIVE_TRIGGERS, trigger.key(), codec.encode(trigger)))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(Mono::fromFuture)
                    .thenReturn(ResponseEntity.accepted().location(URI.create("/api/v1/admin/keys"))
                            .body(new RotationView(trigger.triggerId(), "queued", null, null, null, null, null)));
        });
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(String json) {
        return JSON.readValue(json, Map.class);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeysView(@JsonProperty("active_key") String activeKey,
            @JsonProperty("cached_numbers_by_key") Map<String, Long> cachedNumbersByKey,
            @JsonProperty("last_rotation") RotationView lastRotation) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RotationView(@JsonProperty("rotation_id") String rotationId, @JsonProperty("status") String status,
            @JsonProperty("active_key") String activeKey, @JsonProperty("started_at") Instant startedAt,
            @JsonProperty("finished_at") Instant finishedAt, @JsonProperty("counts") Map<String, Object> counts,
            @JsonProperty("error") String error) {
    }
}
