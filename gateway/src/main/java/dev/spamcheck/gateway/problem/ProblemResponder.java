package dev.spamcheck.gateway.problem;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.codec.DecodingException;
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
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;

import dev.spamcheck.gateway.audit.AuditedRequest;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns every error, ours or the framework's, into an RFC 9457 problem with a stable
 * {@code code} and the request id. Runs before Spring Boot's own error handler, so callers never
 * see a default error page or a stack trace.
 */
@Component
@Order(-2)
class ProblemResponder implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponder.class);

    private final JsonMapper json;

    ProblemResponder(JsonMapper json) {
        this.json = json;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(error);
        }
        ApiException problem = translate(error);
        if (problem.errorCode() == ErrorCode.INTERNAL_ERROR) {
            log.error("Unhandled error answering {} {} (request {})", exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath().value(), RequestIds.of(exchange), error);
        }
        ErrorCode code = problem.errorCode();
        AuditedRequest.of(exchange).errorCode(code.code());
        ProblemDetail detail = ProblemDetail.forStatusAndDetail(code.status(), problem.getMessage());
        detail.setTitle(code.title());

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", detail.getType() == null ? "about:blank" : detail.getType().toString());
        body.put("title", detail.getTitle());
        body.put("status", detail.getStatus());
        body.put("detail", detail.getDetail());
        body.put("instance", exchange.getRequest().getPath().value());
        body.put("code", code.code());
        body.put("request_id", RequestIds.of(exchange));

        response.setStatusCode(code.status());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (problem.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, problem.retryAfter().toSeconds())));
        }
        if (code == ErrorCode.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"spamcheck\"");
        }
        if (error instanceof MethodNotAllowedException notAllowed && !notAllowed.getSupportedMethods().isEmpty()) {
            headers.setAllow(notAllowed.getSupportedMethods());
        }
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(json.writeValueAsBytes(body))));
    }

    static ApiException translate(Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        if (hasCause(error, DataBufferLimitException.class)) {
            return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body must not exceed 4 KiB");
        }
        if (error instanceof UnsupportedMediaTypeStatusException) {
            return new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The request body must be application/json");
        }
        if (error instanceof MethodNotAllowedException) {
            return new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "This path does not support that method");
        }
        if (error instanceof ServerWebInputException || error instanceof DecodingException) {
            return new ApiException(ErrorCode.INVALID_REQUEST, "The request body must be a JSON object");
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

    private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
