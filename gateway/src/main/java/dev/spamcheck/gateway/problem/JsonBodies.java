package dev.spamcheck.gateway.problem;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import dev.spamcheck.gateway.transport.RequestTargetGuard;
import dev.spamcheck.schemas.topic.CampaignIds;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeType;

/**
 * Strict reading of request bodies: a JSON object with known fields only, no duplicates, and
 * strings without control characters where strings are expected. Every failure is
 * {@code invalid_request} with a detail that never quotes the body.
 */
public final class JsonBodies {

    /** The largest request body accepted; larger ones are {@code payload_too_large}. */
    public static final int MAX_BODY_BYTES = 4096;

    // Not the shared mapper: a request body is held to more than a topic message is (a field
    // given twice is refused, not resolved to the last).
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonBodies() {
    }

    /**
     * The request body as text, at most {@link #MAX_BODY_BYTES}. Read here rather than through
     * Spring's codecs, which log decoded bodies (and with them phone numbers) at DEBUG.
     */
    public static Mono<String> read(ServerWebExchange exchange) {
        if (exchange.getRequest().getHeaders().getContentLength() > MAX_BODY_BYTES) {
            // Refused unread: cancelling a body Reactor Netty is still delivering in one piece can
            // make it release that piece twice and drop the connection instead of answering.
            return Mono.error(new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "The request body must not exceed 4 KiB"));
        }
        HttpHeaders headers = exchange.getRequest().getHeaders();
        return DataBufferUtils.join(exchange.getRequest().getBody(), MAX_BODY_BYTES)
                .map(body -> {
                    if (body.readableByteCount() > 0 && !utf8Declared(headers)) {
                        // JSON is UTF-8 (RFC 8259); a body declared otherwise (UTF-16 from .NET's
                        // Encoding.Unicode) would be refused as "not valid JSON", which misleads.
                        DataBufferUtils.release(body);
                        throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                                "The request body must be application/json in UTF-8");
                    }
                    return utf8(body);
                })
                .defaultIfEmpty("")
                .map(body -> {
                    if (RequestTargetGuard.bodyUnreadable(exchange.getRequest())) {
                        // What arrived of it may even be valid JSON: the request is not valid HTTP.
                        throw new ApiException(ErrorCode.INVALID_REQUEST, "The request body is not valid HTTP");
                    }
                    return body;
                });
    }

    /**
     * The body of a request that may come without one (empty then), as {@link #read}; a body there
     * is must be {@code application/json}, as a mapping's {@code consumes} would require of every
     * request, including those without a body.
     */
    public static Mono<String> readOptional(ServerWebExchange exchange) {
        return read(exchange).map(body -> {
            UnsupportedMediaTypeStatusException notJson = body.isEmpty() ? null
                    : notJsonContent(exchange.getRequest().getHeaders());
            if (notJson != null) {
                throw notJson;
            }
            return body;
        });
    }

    /**
     * Why a body with these headers is not {@code application/json}, as a mapping's {@code consumes}
     * condition refuses it; null when it is.
     */
    public static UnsupportedMediaTypeStatusException notJsonContent(HttpHeaders headers) {
        MediaType type;
        try {
            type = headers.getContentType();
        }
        catch (InvalidMediaTypeException ex) {
            return new UnsupportedMediaTypeStatusException(ex.getMessage());
        }
        if (type == null || !MediaType.APPLICATION_JSON.includes(type)) {
            return new UnsupportedMediaTypeStatusException(type, List.of(MediaType.APPLICATION_JSON));
        }
        return null;
    }

    /**
     * Whether the body's declared charset, if any, is UTF-8 (or US-ASCII, which UTF-8 reads alike).
     * A Content-Type that cannot be parsed (an unknown charset among them) is not JSON, refused as
     * that where the type is checked.
     */
    private static boolean utf8Declared(HttpHeaders headers) {
        MediaType type;
        try {
            type = headers.getContentType();
        }
        catch (InvalidMediaTypeException ex) {
            return true;
        }
        Charset charset = type == null ? null : type.getCharset();
        return charset == null || StandardCharsets.UTF_8.equals(charset) || StandardCharsets.US_ASCII.equals(charset);
    }

    public static JsonNode object(String body, Set<String> allowedFields) {
        if (body == null || body.isBlank()) {
            throw invalid("The request body must be a JSON object");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        }
        catch (JacksonException ex) {
            throw invalid("The request body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid("The request body must be a JSON object");
        }
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (!allowedFields.contains(field.getKey())) {
                throw invalid("Unknown field; allowed fields are " + allowedFields.stream().sorted().toList());
            }
        }
        return root;
    }

    public static String requiredString(JsonNode object, String field) {
        String value = optionalString(object, field, Integer.MAX_VALUE);
        if (value == null) {
            throw invalid(field + " is required");
        }
        return value;
    }

    /**
     * The field's text, or null when absent or null. Longer than {@code maxLength} is refused, and
     * so are control characters: PostgreSQL cannot store NUL, and none belongs in an identifier.
     */
    public static String optionalString(JsonNode object, String field, int maxLength) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.getNodeType() != JsonNodeType.STRING) {
            throw invalid(field + " must be a string");
        }
        String value = node.asString();
        if (value.length() > maxLength) {
            throw invalid(field + " must not exceed " + maxLength + " characters");
        }
        if (hasControlCharacter(value)) {
            throw invalid(field + " must not contain control characters");
        }
        return value;
    }

    /**
     * The field's campaign id, to be recorded ({@link CampaignIds#whyNotRecordable}), or null when absent or null, or empty where
     * {@code emptyIsNone}: form tools (Make's templates) send a field left unset as {@code ""}.
     */
    public static String optionalCampaignId(JsonNode object, String field, boolean emptyIsNone) {
        String value = optionalString(object, field, Integer.MAX_VALUE);
        if (emptyIsNone && value != null && value.isEmpty()) {
            return null;
        }
        String invalid = value == null ? null : CampaignIds.whyNotRecordable(value);
        if (invalid != null) {
            throw invalid(invalid);
        }
        return value;
    }

    /** Whether the text holds a C0 or C1 control character or DEL. */
    public static boolean hasControlCharacter(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }

    public static ApiException invalid(String detail) {
        return new ApiException(ErrorCode.INVALID_REQUEST, detail);
    }

    private static String utf8(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        }
        catch (CharacterCodingException ex) {
            throw invalid("The request body is not valid UTF-8");
        }
        finally {
            DataBufferUtils.release(buffer);
        }
    }
}
