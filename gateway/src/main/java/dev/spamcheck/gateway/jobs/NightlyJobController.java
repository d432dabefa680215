package dev.spamcheck.gateway.jobs;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/admin/jobs/nightly} triggers the nightly job now (for today, or the past
 * {@code job_date} given); {@code GET /api/v1/admin/jobs/{id}} reports it, with the reason while it
 * has failed. A job's id is its date: a date's job runs once, however often it is triggered, which
 * is why a future date is refused: it would make that night's run skip as already done.
 */
@RestController
class NightlyJobController {

    private final TopicSender kafka;
    private final JobRuns runs;
    private final String zone;

    NightlyJobController(TopicSender kafka, JobRuns runs, SpamcheckProperties properties) {
        this.kafka = kafka;
        this.runs = runs;
        this.zone = properties.nightly().zone();
    }

    /**
     * The trigger's path, mapped for every method: a literal path wins over {@code /jobs/{id}} for
     * all of them, so GET is not taken as a job named "nightly", nor does any other method's 405
     * list that route's GET in {@code Allow}.
     */
    @RequestMapping(path = "/api/v1/admin/jobs/nightly", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<JobView>> trigger(ServerWebExchange exchange) {
        HttpMethod method = exchange.getRequest().getMethod();
        if (!HttpMethod.POST.equals(method)) {
            return Mono.error(new MethodNotAllowedException(method, Set.of(HttpMethod.POST)));
        }
        ApiToken admin = BearerTokens.client(exchange);
        return JsonBodies.readOptional(exchange).flatMap(body -> trigger(body, admin));
    }

    /** A mapping of no method matches every method but OPTIONS, which Spring answers from the routes' methods. */
    @RequestMapping(path = "/api/v1/admin/jobs/nightly", method = RequestMethod.OPTIONS)
    ResponseEntity<Void> options() {
        return ResponseEntity.ok().allow(HttpMethod.POST, HttpMethod.OPTIONS).build();
    }

    private Mono<ResponseEntity<JobView>> trigger(String body, ApiToken admin) {
        LocalDate requested = null;
        if (body != null && !body.isBlank()) {
            String date = JsonBodies.optionalString(JsonBodies.object(body, Set.of("job_date")), "job_date", 10);
            if (date != null) {
                try {
                    requested = jobDate(date);
                }
                catch (DateTimeParseException ex) {
                    throw JsonBodies.invalid("job_date must be a date between 1970 and 9999, such as 2026-11-25");
                }
            }
        }
        LocalDate given = requested;
        String requestedBy = "admin:" + admin.id();
        return runs.today(zone).map(today -> {
            if (given == null) {
                return today;
            }
            if (given.isAfter(today)) {
                throw JsonBodies.invalid("job_date must not be after today (" + today + " in " + zone + ")");
            }
            return given;
        }).flatMap(jobDate -> {
            MaintenanceTrigger trigger = MaintenanceTrigger.nightly(UUID.randomUUID().toString(), jobDate, Instant.now(),
                    requestedBy);
            return kafka.send(Topics.ARCHIVE_TRIGGERS, trigger.key(), trigger)
                    .thenReturn(ResponseEntity.accepted().location(URI.create("/api/v1/admin/jobs/" + jobDate))
                            .body(new JobView(jobDate.toString(), jobDate.toString(), "queued", null, null, null, null,
                                    null)));
        });
    }

    @GetMapping(path = "/api/v1/admin/jobs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<JobView> status(@PathVariable String id) {
        LocalDate date;
        try {
            date = jobDate(id);
        }
        catch (DateTimeParseException ex) {
            throw new ApiException(ErrorCode.NOT_FOUND, "No such job; a job's id is its date, such as 2026-11-25");
        }
        return runs.find(date)
                .map(run -> new JobView(id, id, run.status(), run.phase(), run.startedAt(), run.finishedAt(),
                        run.counts(), run.error()))
                .switchIfEmpty(Mono.error(() -> new ApiException(ErrorCode.NOT_FOUND,
                        "No job has started for this date yet")));
    }

    /** A job date; years outside 1970-9999 are not job dates, and some cannot be stored. */
    private static LocalDate jobDate(String text) {
        LocalDate date = LocalDate.parse(text);
        if (date.getYear() < 1970 || date.getYear() > 9999) {
            throw new DateTimeParseException("out of range", text, 0);
        }
        return date;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobView(@JsonProperty("job_id") String jobId, @JsonProperty("job_date") String jobDate,
            @JsonProperty("status") String status, @JsonProperty("phase") String phase,
            @JsonProperty("started_at") Instant startedAt, @JsonProperty("finished_at") Instant finishedAt,
            @JsonProperty("counts") Map<String, Object> counts, @JsonProperty("error") String error) {
    }
}
