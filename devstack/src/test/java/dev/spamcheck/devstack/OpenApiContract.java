package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Checks real responses against the OpenAPI document the gateway serves (from {@code schemas}). */
final class OpenApiContract {

    private static final String DOCUMENT = "openapi/spamcheck-api.yaml";
    private static final JsonNode OPENAPI = load();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private OpenApiContract() {
    }

    /** Asserts the response is documented for the operation, with a body and headers as documented. */
    static void assertDocumented(String method, String pathTemplate, HttpResponse<String> response) {
        assertDocumented(method, pathTemplate, response.statusCode(), name -> response.headers().firstValue(name),
                response.body());
    }

    static void assertDocumented(String method, String pathTemplate, RawHttp.Response response) {
        assertDocumented(method, pathTemplate, response.status(), response::header, response.body());
    }

    private static void assertDocumented(String method, String pathTemplate, int statusCode,
            Function<String, Optional<String>> headers, String body) {
        String status = String.valueOf(statusCode);
        String operationPointer = "/paths/" + escape(pathTemplate) + "/" + method.toLowerCase(Locale.ROOT);
        JsonNode operation = OPENAPI.at(operationPointer);
        assertThat(operation.isMissingNode()).as("%s %s is documented", method, pathTemplate).isFalse();
        String responsePointer = operationPointer + "/responses/" + status;
        JsonNode documented = OPENAPI.at(responsePointer);
        assertThat(documented.isMissingNode()).as("%s %s documents status %s", method, pathTemplate, status).isFalse();
        if (documented.has("$ref")) {
            responsePointer = documented.get("$ref").asString().substring(1);
            documented = OPENAPI.at(responsePointer);
        }
        for (Map.Entry<String, JsonNode> header : documented.path("headers").properties()) {
            if (header.getValue().path("required").asBoolean(false)) {
                assertThat(headers.apply(header.getKey()))
                        .as("header %s of a %s answer", header.getKey(), status).isPresent();
            }
        }
        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(body).as("a %s answer has no body", status).isEmpty();
            return;
        }
        String mediaType = headers.apply("Content-Type").orElseThrow().split(";")[0].trim();
        assertThat(content.has(mediaType)).as("%s is a documented media type for %s", mediaType, status).isTrue();
        if (mediaType.endsWith("json")) {
            Schema schema = SCHEMAS.getSchema(SchemaLocation.of("classpath:" + DOCUMENT + "#" + responsePointer
                    + "/content/" + escape(mediaType) + "/schema"));
            List<Error> errors = schema.validate(body, InputFormat.JSON);
            assertThat(errors).as("%s %s %s body against the OpenAPI document", method, pathTemplate, status).isEmpty();
        }
    }

    /** Asserts the body is a documented Problem (for answers outside any operation: 404, 405). */
    static void assertProblem(HttpResponse<String> response) {
        assertProblem(response.headers().firstValue("Content-Type"), response.body());
    }

    static void assertProblem(RawHttp.Response response) {
        assertProblem(response.header("Content-Type"), response.body());
    }

    private static void assertProblem(Optional<String> contentType, String body) {
        assertThat(contentType).hasValue("application/problem+json");
        Schema schema = SCHEMAS.getSchema(SchemaLocation.of("classpath:" + DOCUMENT + "#/components/schemas/Problem"));
        assertThat(schema.validate(body, InputFormat.JSON)).as(body).isEmpty();
    }

    /** Every status documented for an operation. */
    static List<String> documentedStatuses(String method, String pathTemplate) {
        JsonNode responses = OPENAPI.at("/paths/" + escape(pathTemplate) + "/" + method.toLowerCase(Locale.ROOT) + "/responses");
        List<String> statuses = new java.util.ArrayList<>();
        for (Iterator<String> names = responses.propertyNames().iterator(); names.hasNext();) {
            statuses.add(names.next());
        }
        return statuses;
    }

    private static String escape(String pointerToken) {
        return pointerToken.replace("~", "~0").replace("/", "~1");
    }

    private static JsonNode load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            return new YAMLMapper().readTree(in);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
