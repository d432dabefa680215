package dev.spamcheck.schemas.topic;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

/**
 * Validates topic messages against the JSON Schemas in {@code schemas/}, with formats (uuid,
 * date-time) asserted. Shared with the system tests through the test jar.
 */
public final class MessageSchemas {

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private MessageSchemas() {
    }

    /** The schema violations of a message on a topic; empty when it is valid. */
    public static List<String> violations(Topic<?, ?> topic, String json) {
        if (topic.schema() == null) {
            throw new IllegalArgumentException("No schema for topic " + topic);
        }
        return schema(topic.schema()).validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }

    /** The violations of a message on the topic of this name, which must have a schema. */
    public static List<String> violations(String topic, String json) {
        return violations(Topics.named(topic), json);
    }

    public static boolean hasSchema(String topic) {
        Topic<?, ?> known = Topics.named(topic);
        return known != null && known.schema() != null;
    }

    private static Schema schema(String name) {
        try (InputStream in = MessageSchemas.class.getResourceAsStream("/schemas/" + name + ".schema.json")) {
            if (in == null) {
                throw new IllegalStateException("Missing schema " + name);
            }
            return REGISTRY.getSchema(in, InputFormat.JSON);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
