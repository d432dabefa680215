package dev.spamcheck.gateway.keys;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySlice.SentToKafka;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/** {@code /api/v1/admin/keys}: which key is active, how many numbers each key holds, and queuing a rotation. */
@GatewaySliceTest(KeyAdminController.class)
class KeyAdminControllerTest {

    @Autowired
    WebTestClient http;

    @Autowired
    SentToKafka kafka;

    @MockitoBean
    KeyRotations rotations;

    @BeforeEach
    void nothingSentYet() {
        kafka.clear();
    }

    @Test
    void theActiveKeyAndTheLastRotationAreShown() {
        when(rotations.cachedNumbers()).thenReturn(Mono.just(new KeyRotations.CachedNumbers(
                Map.of("k0", 3L, "k1", 40L), Instant.parse("2026-12-03T00:10:00Z"))));
        when(rotations.last()).thenReturn(Mono.just(new KeyRotations.Rotation("r1", "succeeded", "k1",
                Instant.parse("2026-12-03T00:00:00Z"), Instant.parse("2026-12-03T00:05:00Z"), Map.of("rewrapped", 40),
                null)));

        get().expectStatus().isOk().expectBody()
                .jsonPath("$.active_key").isEqualTo("k1")
                .jsonPath("$.cached_numbers_by_key.k0").isEqualTo(3)
                .jsonPath("$.cached_numbers_counted_at").isEqualTo("2026-12-03T00:10:00Z")
                .jsonPath("$.last_rotation.status").isEqualTo("succeeded");
    }

    @Test
    void beforeAnyRotationThereIsNoLastRotation() {
        when(rotations.cachedNumbers()).thenReturn(Mono.just(new KeyRotations.CachedNumbers(Map.of(), Instant.now())));
        when(rotations.last()).thenReturn(Mono.empty());

        get().expectStatus().isOk().expectBody().jsonPath("$.last_rotation").doesNotExist()
                .jsonPath("$.cached_numbers_by_key").isEmpty();
    }

    @Test
    void beforeAnArchiverHasCountedTheCachedNumbersTheyAreLeftOutNotShownAsNone() {
        when(rotations.cachedNumbers()).thenReturn(Mono.empty());
        when(rotations.last()).thenReturn(Mono.empty());

        get().expectStatus().isOk().expectBody().jsonPath("$.active_key").exists()
                .jsonPath("$.cached_numbers_by_key").doesNotExist()
                .jsonPath("$.cached_numbers_counted_at").doesNotExist();
    }

    @Test
    void aRotationIsQueuedForTheArchiverByThisAdmin() {
        rotate(null).expectStatus().isAccepted().expectHeader().location("/api/v1/admin/keys")
                .expectBody().jsonPath("$.status").isEqualTo("queued");

        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).singleElement().satisfies(t -> {
            assertThat(t.job()).isEqualTo(MaintenanceTrigger.Job.KEY_ROTATION);
            assertThat(t.requestedBy()).isEqualTo("admin:" + GatewaySlice.ADMIN_ID);
        });
    }

    @Test
    void aRotationTakesNoOptions() {
        problem(rotate("{\"key\":\"k0\"}"), 400, "invalid_request");
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).isEmpty();
    }

    private WebTestClient.ResponseSpec get() {
        return http.get().uri("/api/v1/admin/keys").header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
    }

    private WebTestClient.ResponseSpec rotate(String body) {
        WebTestClient.RequestBodySpec request = http.post().uri("/api/v1/admin/keys/rotate")
                .header("Authorization", "Bearer " + GatewaySlice.ADMIN);
        return body == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }
}
