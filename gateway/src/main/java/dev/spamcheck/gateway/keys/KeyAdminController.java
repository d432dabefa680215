package dev.spamcheck.gateway.keys;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/keys}: which encryption keys the cached numbers use (as an archiver last
 * counted them), and the last rotation; {@code POST /api/v1/admin/keys/rotate}: asks the archiver
 * to move every stored number ciphertext to the active key.
 */
@RestController
class KeyAdminController {

    private final TopicSender kafka;
    private final KeyRotations rotations;
    private final NumberProtection protection;

    KeyAdminController(TopicSender kafka, KeyRotations rotations, NumberProtection protection) {
        this.kafka = kafka;
        this.rotations = rotations;
        this.protection = protection;
    }

    @GetMapping(path = "/api/v1/admin/keys", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<KeysView> keys() {
        return Mono.zip(rotations.cachedNumbers().map(Optional::of).defaultIfEmpty(Optional.empty()),
                rotations.last().map(Optional::of).defaultIfEmpty(Optional.empty()))
                .map(both -> new KeysView(protection.activeKeyId(),
                        both.getT1().map(KeyRotations.CachedNumbers::byKey).orElse(null),
                        both.getT1().map(KeyRotations.CachedNumbers::countedAt).orElse(null),
                        both.getT2().map(RotationView::of).orElse(null)));
    }

    @PostMapping(path = "/api/v1/admin/keys/rotate", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<RotationView>> rotate(ServerWebExchange exchange) {
        ApiToken admin = BearerTokens.client(exchange);
        return JsonBodies.readOptional(exchange).flatMap(body -> {
            if (body != null && !body.isBlank()) {
                JsonBodies.object(body, Set.of());
            }
            MaintenanceTrigger trigger = new MaintenanceTrigger(UUID.randomUUID().toString(),
                    LocalDate.now(ZoneOffset.UTC), Instant.now(), "admin:" + admin.id(),
                    MaintenanceTrigger.Job.KEY_ROTATION);
            return kafka.send(Topics.ARCHIVE_TRIGGERS, trigger.key(), trigger)
                    .thenReturn(ResponseEntity.accepted().location(URI.create("/api/v1/admin/keys"))
                            .body(new RotationView(trigger.triggerId(), "queued", null, null, null, null, null)));
        });
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeysView(@JsonProperty("active_key") String activeKey,
            @JsonProperty("cached_numbers_by_key") Map<String, Long> cachedNumbersByKey,
            @JsonProperty("cached_numbers_counted_at") Instant cachedNumbersCountedAt,
            @JsonProperty("last_rotation") RotationView lastRotation) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RotationView(@JsonProperty("rotation_id") String rotationId, @JsonProperty("status") String status,
            @JsonProperty("active_key") String activeKey, @JsonProperty("started_at") Instant startedAt,
            @JsonProperty("finished_at") Instant finishedAt, @JsonProperty("counts") Map<String, Object> counts,
            @JsonProperty("error") String error) {

        static RotationView of(KeyRotations.Rotation rotation) {
            return new RotationView(rotation.id(), rotation.status(), rotation.activeKey(), rotation.startedAt(),
                    rotation.finishedAt(), rotation.counts(), rotation.error());
        }
    }
}
