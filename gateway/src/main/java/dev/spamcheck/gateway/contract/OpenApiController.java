package dev.spamcheck.gateway.contract;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.audit.AuditTrail;
import reactor.core.publisher.Mono;

/** Serves the OpenAPI document kept in {@code schemas} at {@code GET /api/v1/openapi.yaml}. */
@RestController
class OpenApiController {

    private static final MediaType YAML = MediaType.parseMediaType("application/yaml");

    private final byte[] document;
    private final AuditTrail audit;

    OpenApiController(AuditTrail audit) {
        this.audit = audit;
        try {
            this.document = new ClassPathResource("openapi/spamcheck-api.yaml").getContentAsByteArray();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("The OpenAPI document is missing from the class path", ex);
        }
    }

    @GetMapping("/api/v1/openapi.yaml")
    Mono<ResponseEntity<byte[]>> openApi(ServerWebExchange exchange) {
        return audit.confirm(exchange, HttpStatus.OK).thenReturn(ResponseEntity.ok().contentType(YAML).body(document));
    }
}
