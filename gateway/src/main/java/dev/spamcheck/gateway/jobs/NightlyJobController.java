package dev.spamcheck.gateway.jobs;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/admin/jobs/nightly} triggers the nightly job now (for today, or the past
 * {@code job_date} given); {@code GET /api/v1/admin/jobs/{id}} reports it, with the reason while it
 * has failed. A job's id is its date: a date's job runs once, however often it is triggered, which
 * is why a future date is refused: it would make that night's run skip as already done.
 */
@RestController
class NightlyJobController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;
    private final DatabaseClient db;
    private final GatewayProperties properties;

    NightlyJobController(KafkaTemplate<String, String> kafka, MessageCodec codec, DatabaseClient db,
            GatewayProperties properties) {
        this.kafka = kafka;
        this.codec = codec;
        this.db = db;
        this.properties = properties;
    }

    @PostMapping(path = "/api/v1/admin/jobs/nightly", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<JobView>> trigger(@AuthenticationPrincipal ApiToken admin, ServerWebExchange exchange) {
        return JsonBodies.read(exchange).flatMap(body -> trigger(body, admin));
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
        return today().map(today -> {
            if (given == null) {
                return today;
            }
            if (given.isAfter(today)) {
                throw JsonBodies.invalid("job_date must not be after today (" + today + " in "
                        + properties.nightly().zone() + ")");
            }
            return given;
        }).flatMap(jobDate -> {
            NightlyTrigger trigger = new NightlyTrigger(UUID.randomUUID().toString(), jobDate, Instant.now(), requestedBy);
            return Mono.fromCallable(() -> kafka.send(Topics.ARCHIVE_TRIGGERS, trigger.key(), codec.encode(trigger)))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(Mono::fromFuture)
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
        return db.sql("""
                SELECT status, phase, started_at, finished_at, counts::text AS counts, error
                  FROM job_runs WHERE job_date = :date""")
                .bind("date", date)
                .map(row -> new JobView(id, id, row.get("status", String.class), row.get("phase", String.class),
                        row.get("started_at", OffsetDateTime.class).toInstant(),
                        finished(row.get("finished_at", OffsetDateTime.class)), counts(row.get("counts", String.class)),
                        row.get("error", String.class)))
                .one()
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

    private Mono<LocalDate> today() {
        return db.sql("SELECT (now() AT TIME ZONE :zone)::date AS today")
                .bind("zone", properties.nightly().zone())
                .map(row -> row.get("today", LocalDate.class))
                .one();
    }

    private static Instant finished(OffsetDateTime finishedAt) {
        return finishedAt == null ? null : finishedAt.toInstant();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(String json) {
        return JSON.readValue(json, Map.class);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobView(@JsonProperty("job_id") String jobId, @JsonProperty("job_date") String jobDate,
            @JsonProperty("status") String status, @JsonProperty("phase") String phase,
            @JsonProperty("started_at") Instant startedAt, @JsonProperty("finished_at") Instant finishedAt,
            @JsonProperty("counts") Map<String, Object> counts, @JsonProperty("error") String error) {
    }
}
