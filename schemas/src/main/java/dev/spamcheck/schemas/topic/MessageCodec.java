package dev.spamcheck.schemas.topic;

import org.apache.kafka.common.serialization.Serde;
import org.springframework.kafka.support.serializer.JacksonJsonSerde;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/**
 * The JSON of spamcheck's messages, and the one JSON mapper of every service (the shared
 * auto-configuration makes it the application's {@link JsonMapper}). Readers tolerate unknown
 * fields, so producers can add fields before consumers learn them. Its settings are fixed here,
 * not taken from {@code spring.jackson.*}: a property must not be able to change a topic's format.
 */
public final class MessageCodec {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Enums by name only, as every schema says: read, {"outcome": 2} would be an answer, and
            // reordering an enum's constants would change what earlier records mean.
            .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .addModule(new SimpleModule("spamcheck-messages").addDeserializer(PrewarmEntry.class, new PrewarmEntry.Reader()))
            .build();

    private MessageCodec() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** The message as JSON text (tests, tools). */
    public static String encode(Object message) {
        return MAPPER.writeValueAsString(message);
    }

    /**
     * A serde of plain JSON values of {@code type}: no type headers written or read, so other
     * producers (campaign tools) and consumers need nothing but the JSON Schema.
     */
    public static <T> Serde<T> serde(Class<T> type) {
        return new JacksonJsonSerde<T>(type, MAPPER).noTypeInfo().ignoreTypeHeaders();
    }
}
