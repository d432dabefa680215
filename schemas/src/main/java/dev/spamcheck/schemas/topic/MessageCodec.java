package dev.spamcheck.schemas.topic;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of the topic messages. Readers tolerate unknown fields so producers can add
 * fields before consumers learn them.
 */
public final class MessageCodec {

    private final JsonMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public String encode(Object message) {
        return mapper.writeValueAsString(message);
    }

    public <T> T decode(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        }
        catch (JacksonException ex) {
            // The original message is left out on purpose: it may quote the payload.
            throw new MalformedMessageException("not a valid " + type.getSimpleName() + " message");
        }
    }

    /** A message that cannot be read; the text never quotes the payload. */
    public static final class MalformedMessageException extends RuntimeException {
        public MalformedMessageException(String message) {
            super(message);
        }
    }
}
