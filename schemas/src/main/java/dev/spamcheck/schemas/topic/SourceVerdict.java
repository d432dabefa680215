package dev.spamcheck.schemas.topic;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import tools.jackson.core.type.TypeReference;

/**
 * What one reputation source said about a number (schema: {@code $defs.source} of
 * {@code schemas/lookup-result.schema.json}).
 *
 * @param source the source, e.g. the Twilio add-on {@code nomorobo_spamscore}
 * @param verdict flagged, clean, or unknown when the source had nothing to say (failed, no data)
 * @param score the source's graded risk, 0 to 100, where it grades; absent otherwise
 * @param reasons why, in the source's own words, where it says
 * @param status the source's own status: {@code successful}, {@code failed}, {@code missing} (not in
 *        the answer), {@code malformed_result}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SourceVerdict(
        @JsonProperty("source") String source,
        @JsonProperty("verdict") Verdict verdict,
        @JsonProperty("score") Integer score,
        @JsonProperty("reasons") List<String> reasons,
        @JsonProperty("status") String status) {

    public static final String SUCCESSFUL = "successful";

    public SourceVerdict {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    /** A source that said nothing about the number, and why ({@code status}). */
    public static SourceVerdict unknown(String source, String status) {
        return new SourceVerdict(source, Verdict.UNKNOWN, null, List.of(), status);
    }

    /** Sources as stored beside a cached answer ({@code sources} columns, jsonb): null for none. */
    public static String toJson(List<SourceVerdict> sources) {
        return sources == null || sources.isEmpty() ? null : MessageCodec.encode(sources);
    }

    /** The {@code sources} column read back: null for none (rows from before sources, not found). */
    public static List<SourceVerdict> fromJson(String json) {
        return json == null ? null : MessageCodec.mapper().readValue(json, new TypeReference<List<SourceVerdict>>() {
        });
    }

    public boolean decided() {
        return verdict != Verdict.UNKNOWN;
    }

    public enum Verdict {
        @JsonProperty("clean") CLEAN,
        @JsonProperty("flagged") FLAGGED,
        @JsonProperty("unknown") UNKNOWN
    }
}
