package dev.spamcheck.gateway.problem;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.errors.RetriableException;
import org.springframework.core.codec.DecodingException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import io.netty.handler.timeout.ReadTimeoutException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every error, ours or the framework's, into an RFC 9457 problem with a stable
 * {@code code} and the request id. The audit filter calls it for every error of every exchange,
 * so callers never see a default error page or a stack trace.
 */
@Component
public class ProblemResponder {

    private static final Duration DATABASE_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration BROKER_RETRY_AFTER = Duration.ofSeconds(5);

    private final JsonMapper json;

    public ProblemResponder(JsonMapper json) {
        this.json = json;
    }

    /**
     * Writes the problem as the answer, replacing whatever status and body headers the response
     * had been given.
     *
     * @param instance the problem's {@code instance}: a path that holds no caller data
     */
    public Mono<Void> write(ServerHttpResponse response, ApiException problem, String requestId, String instance) {
        ErrorCode code = problem.errorCode();
        ProblemDetail detail = ProblemDetail.forStatusAndDetail(code.status(), problem.getMessage());
        detail.setTitle(code.title());

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", detail.getType() == null ? "about:blank" : detail.getType().toString());
        body.put("title", detail.getTitle());
        body.put("status", detail.getStatus());
        body.put("detail", detail.getDetail());
        body.put("instance", instance);
        body.put("code", code.code());
        body.put("request_id", requestId);

        response.setStatusCode(code.status());
        HttpHeaders headers = response.getHeaders();
        headers.remove(HttpHeaders.CONTENT_LENGTH);
        // A success turned into a problem (its audit event refused) may have named what it created.
        headers.remove(HttpHeaders.LOCATION);
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (problem.retryAfter() != null) {
            long seconds = (problem.retryAfter().toMillis() + 999) / 1000;
            headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, seconds)));
        }
        if (code == ErrorCode.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"spamcheck\"");
        }
        if (problem.allow() != null) {
            headers.setAllow(problem.allow());
        }
        byte[] bytes = json.writeValueAsBytes(body);
        headers.setContentLength(bytes.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
    }

    /** The problem an error is answered with; anything unforeseen is {@code internal_error}. */
    public static ApiException translate(Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        if (hasCause(error, ReadTimeoutException.class)) {
            return new ApiException(ErrorCode.REQUEST_TIMEOUT, "The request was not sent in time");
        }
        if (hasCause(error, QueryTimeoutException.class) || hasCause(error, R2dbcTimeoutException.class)) {
            // Slow rather than away (spamcheck.gateway.database-timeout): a wide admin query, a lock.
            return new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "Storage did not answer in time; try again shortly",
                    DATABASE_RETRY_AFTER);
        }
        if (databaseUnavailable(error)) {
            // PostgreSQL restarting or failing over: the pools reconnect by themselves, so the
            // caller is told to come back rather than that something broke.
            return new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "Storage is unavailable; try again shortly",
                    DATABASE_RETRY_AFTER);
        }
        if (hasCause(error, RetriableException.class)) {
            // Kafka unreachable, or a partition without its leader for a moment: the producer gave
            // up within its delivery timeout and nothing was queued, so the caller may simply retry.
            return new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "The message broker is unavailable; try again shortly",
                    BROKER_RETRY_AFTER);
        }
        if (hasCause(error, DataBufferLimitException.class)) {
            return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body must not exceed 4 KiB");
        }
        if (error instanceof UnsupportedMediaTypeStatusException) {
            return new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body must be application/json");
        }
        if (error instanceof MethodNotAllowedException notAllowed) {
            return new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "This path does not support that method")
                    .withAllow(notAllowed.getSupportedMethods());
        }
        if (error instanceof ServerWebInputException || error instanceof DecodingException) {
            return new ApiException(ErrorCode.INVALID_REQUEST, "The request cannot be read");
        }
        if (error instanceof NotAcceptableStatusException) {
            return new ApiException(ErrorCode.INVALID_REQUEST, "This endpoint answers application/json only");
        }
        if (error instanceof ResponseStatusException status) {
            HttpStatus httpStatus = HttpStatus.resolve(status.getStatusCode().value());
            if (httpStatus == HttpStatus.NOT_FOUND) {
                return new ApiException(ErrorCode.NOT_FOUND, "No such resource");
            }
            if (httpStatus == HttpStatus.CONTENT_TOO_LARGE) {
                return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body must not exceed 4 KiB");
            }
            if (httpStatus != null && httpStatus.is4xxClientError()) {
                return new ApiException(ErrorCode.INVALID_REQUEST, "The request cannot be processed");
            }
        }
        return new ApiException(ErrorCode.INTERNAL_ERROR, "An unexpected error occurred; quote the request id when reporting it");
    }

    private static boolean databaseUnavailable(Throwable error) {
        return hasCause(error, DataAccessResourceFailureException.class) || hasCause(error, TransientDataAccessException.class)
                || hasCause(error, RecoverableDataAccessException.class) || hasCause(error, R2dbcTransientException.class)
                || hasCause(error, R2dbcNonTransientResourceException.class);
    }

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
