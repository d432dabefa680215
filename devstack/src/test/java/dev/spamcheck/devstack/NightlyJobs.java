package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;

import tools.jackson.databind.JsonNode;

/** The nightly job of the test devstack, through the admin endpoints. */
final class NightlyJobs {

    private NightlyJobs() {
    }

    /** Triggers the job of a date and waits until it has completed. */
    static JsonNode run(LocalDate date) {
        trigger(date);
        return awaitCompleted(date);
    }

    /** Waits until the job of a date, triggered already, has completed. */
    static JsonNode awaitCompleted(LocalDate date) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> statusOrNull(date), job -> job != null && "completed".equals(job.get("status").asString()));
    }

    static void trigger(LocalDate date) {
        HttpResponse<String> response = AdminApi.post("/api/v1/admin/jobs/nightly", "{\"job_date\": \"" + date + "\"}");
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(TestStack.json(response).get("job_id").asString()).isEqualTo(date.toString());
    }

    static JsonNode status(LocalDate date) {
        HttpResponse<String> response = AdminApi.get("/api/v1/admin/jobs/" + date);
        assertThat(response.statusCode()).isEqualTo(200);
        return TestStack.json(response);
    }

    /** The job's status, or null before it has started. */
    static JsonNode statusOrNull(LocalDate date) {
        HttpResponse<String> response = AdminApi.get("/api/v1/admin/jobs/" + date);
        return response.statusCode() == 200 ? TestStack.json(response) : null;
    }
}
