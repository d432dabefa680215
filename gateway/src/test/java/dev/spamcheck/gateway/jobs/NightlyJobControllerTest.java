package dev.spamcheck.gateway.jobs;

import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.kafka.KafkaException;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySlice.SentToKafka;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/** {@code /api/v1/admin/jobs}: queuing a nightly run for a date, and reading how a run went. */
@GatewaySliceTest(NightlyJobController.class)
class NightlyJobControllerTest {

    private static final LocalDate TODAY = LocalDate.parse("2026-12-04");

    @Autowired
    WebTestClient http;

    @Autowired
    SentToKafka kafka;

    @MockitoBean
    JobRuns runs;

    @BeforeEach
    void today() {
        kafka.clear();
        when(runs.today("UTC")).thenReturn(Mono.just(TODAY));
    }

    @Test
    void withoutABodyTodaysRunIsQueuedByThisAdmin() {
        trigger(null).expectStatus().isAccepted()
                .expectHeader().location("/api/v1/admin/jobs/2026-12-04")
                .expectBody().jsonPath("$.job_id").isEqualTo("2026-12-04").jsonPath("$.status").isEqualTo("queued");

        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).singleElement().satisfies(t -> {
            assertThat(t.jobDate()).isEqualTo(TODAY);
            assertThat(t.requestedBy()).isEqualTo("admin:" + GatewaySlice.ADMIN_ID);
            assertThat(t.job()).isEqualTo(MaintenanceTrigger.Job.NIGHTLY);
        });
    }

    @Test
    void anEarlierDateCanBeRunAgain() {
        trigger("{\"job_date\":\"2026-11-25\"}").expectStatus().isAccepted();
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).singleElement()
                .satisfies(t -> assertThat(t.jobDate()).isEqualTo(LocalDate.parse("2026-11-25")));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"job_date\":\"2026-12-05\"}", "{\"job_date\":\"2026-13-01\"}",
            "{\"job_date\":\"0001-01-01\"}", "{\"job_date\":\"yesterday\"}", "{\"job_date\":20261204}",
            "{\"date\":\"2026-12-01\"}", "[]"})
    void aFutureOrMalformedDateIsRefusedAndNothingIsQueued(String body) {
        problem(trigger(body), 400, "invalid_request");
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).isEmpty();
    }

    @Test
    void aBodyThatIsNotJsonIsRefusedAndNothingIsQueued() {
        problem(http.post().uri("/api/v1/admin/jobs/nightly").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .contentType(MediaType.TEXT_PLAIN).bodyValue("{\"job_date\":\"2026-11-25\"}").exchange(),
                415, "unsupported_media_type");
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).isEmpty();
    }

    /** As Apache HttpClient 4 sends an empty StringEntity: no body, whatever its type says. */
    @Test
    void noBodyUnderAnyContentTypeIsATriggerForToday() {
        http.post().uri("/api/v1/admin/jobs/nightly").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .header("Content-Type", "text/plain; charset=ISO-8859-1").exchange()
                .expectStatus().isAccepted();
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).hasSize(1);
    }

    @Test
    void aTriggerKafkaDoesNotTakeIsAnsweredUnavailableToRetry() {
        // As the producer fails when the broker is unreachable for its max.block.ms.
        kafka.refuse(Topics.ARCHIVE_TRIGGERS.name(), new KafkaException("Send failed",
                new TimeoutException("Topic spamcheck.archive.triggers not present in metadata after 2000 ms.")));

        WebTestClient.ResponseSpec response = trigger(null);
        response.expectHeader().valueEquals("Retry-After", "5");
        problem(response, 503, "service_unavailable");
    }

    @Test
    void aRunIsReadByItsDate() {
        when(runs.find(LocalDate.parse("2026-12-03"))).thenReturn(Mono.just(new JobRuns.JobRun("succeeded", null,
                Instant.parse("2026-12-03T03:00:00Z"), Instant.parse("2026-12-03T03:01:00Z"), Map.of("purged", 7), null)));

        status("2026-12-03").expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("succeeded").jsonPath("$.counts.purged").isEqualTo(7);
    }

    @Test
    void aDateWithoutARunIs404() {
        when(runs.find(any())).thenReturn(Mono.empty());
        problem(status("2026-12-02"), 404, "not_found");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"latest", "2026-02-30", "0000-01-01", "99999-01-01"})
    void anIdThatIsNotAJobDateIs404WithoutAQuery(String id) {
        problem(status(id), 404, "not_found");
        verify(runs, never()).find(any());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "HEAD", "PUT", "DELETE", "PATCH", "FOO"})
    void theTriggersPathIsNotAJobAndTakesOnlyPost(String method) {
        WebTestClient.ResponseSpec response = http.method(HttpMethod.valueOf(method))
                .uri("/api/v1/admin/jobs/nightly").header("Authorization", "Bearer " + GatewaySlice.ADMIN).exchange();
        response.expectStatus().isEqualTo(405).expectHeader().valueEquals("Allow", "POST");
        verify(runs, never()).find(any());
        assertThat(onlyAuditEvent().path()).isEqualTo("/api/v1/admin/jobs/nightly");
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).as("nothing queued").isEmpty();
    }

    @Test
    void optionsOnTheTriggersPathNamesItsMethods() {
        http.options().uri("/api/v1/admin/jobs/nightly").header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .exchange().expectStatus().isOk().expectHeader().valueEquals("Allow", "POST,OPTIONS");
        assertThat(kafka.to(Topics.ARCHIVE_TRIGGERS.name(), MaintenanceTrigger.class)).isEmpty();
    }

    private AuditEvent onlyAuditEvent() {
        List<AuditEvent> events = kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class);
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    private WebTestClient.ResponseSpec trigger(String body) {
        WebTestClient.RequestBodySpec request = http.post().uri("/api/v1/admin/jobs/nightly")
                .header("Authorization", "Bearer " + GatewaySlice.ADMIN);
        return body == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private WebTestClient.ResponseSpec status(String id) {
        return http.get().uri("/api/v1/admin/jobs/" + id).header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .exchange();
    }
}
