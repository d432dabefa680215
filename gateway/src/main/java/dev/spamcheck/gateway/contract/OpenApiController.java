package dev.spamcheck.gateway.contract;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Serves the OpenAPI document kept in {@code schemas} at {@code GET /api/v1/openapi.yaml}. */
@RestController
class OpenApiController {

    private static final MediaType YAML = MediaType.parseMediaType("application/yaml");

    private final byte[] document;

    OpenApiController() {
        try {
            this.document = new ClassPathResource("openapi/spamcheck-api.yaml").getContentAsByteArray();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("The OpenAPI document is missing from the class path", ex);
        }
    }

    @GetMapping("/api/v1/openapi.yaml")
    ResponseEntity<byte[]> openApi() {
        return ResponseEntity.ok().contentType(YAML).body(document);
    }
}
