package dev.spamcheck.worker.twilio;

import static dev.spamcheck.schemas.topic.SourceVerdict.Verdict.CLEAN;
import static dev.spamcheck.schemas.topic.SourceVerdict.Verdict.FLAGGED;
import static dev.spamcheck.schemas.topic.SourceVerdict.Verdict.UNKNOWN;

import java.util.List;
import java.util.Locale;

import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.SourceVerdict.Verdict;
import tools.jackson.databind.JsonNode;

/**
 * The Lookup v1 Marketplace add-ons spamcheck can ask for in its one paid call
 * ({@code spamcheck.providers.twilio.add-ons}), and how each one's documented result reads into a
 * verdict. Each reads only its own {@code result} object, once its own {@code status} said
 * {@code successful}; anything else in it is not relied on. Where a source grades, its score is
 * kept as given (0 to 100); where it flags is the source's documented meaning or, for a bare
 * grade, the level stated here.
 */
public enum LookupAddOn {

    /** Nomorobo Spam Score: {@code {"score": 0|1}}; 1 is spam. Graded 0 or 100. */
    NOMOROBO_SPAMSCORE {
        @Override
        SourceVerdict read(JsonNode result) {
            JsonNode score = result.path("score");
            if (!score.isIntegralNumber() || (score.asInt() != 0 && score.asInt() != 1)) {
                return malformed();
            }
            return score.asInt() == 1 ? verdict(FLAGGED, 100, List.of()) : verdict(CLEAN, 0, List.of());
        }
    },

    /**
     * IceHook Scout: {@code {"risk_level": 0-100, "risk_rating": "highly_likely", ...}}. Flagged
     * from a risk level of 70; the rating is the reason.
     */
    ICEHOOK_SCOUT {
        @Override
        SourceVerdict read(JsonNode result) {
            Integer level = grade(result.path("risk_level"));
            if (level == null) {
                return malformed();
            }
            String rating = result.path("risk_rating").asString("");
            return verdict(level >= 70 ? FLAGGED : CLEAN, level, rating.isBlank() ? List.of() : List.of(rating));
        }
    },

    /**
     * Marchex Clean Call: {@code {"result": {"recommendation": "PASS"|"FLAG"|"BLOCK", "reason": "..."}}}.
     * No grade; FLAG (suspected) and BLOCK (known bad) both flag.
     */
    MARCHEX_CLEANCALL {
        @Override
        SourceVerdict read(JsonNode result) {
            JsonNode verdict = result.path("result");
            String reason = verdict.path("reason").asString("");
            List<String> reasons = reason.isBlank() ? List.of() : List.of(reason);
            return switch (verdict.path("recommendation").asString("")) {
                case "PASS" -> verdict(CLEAN, null, reasons);
                case "FLAG", "BLOCK" -> verdict(FLAGGED, null, reasons);
                default -> malformed();
            };
        }
    },

    /**
     * TrueSpam by TrueCNAM: {@code {"spam_score": 0-100, "spam_score_match": 0|1}}. Flagged from
     * 80, the level TrueCNAM's integrators block at by default; unknown when the number is not in
     * its data ({@code spam_score_match} 0).
     */
    TRUECNAM_TRUESPAM {
        @Override
        SourceVerdict read(JsonNode result) {
            if (result.path("spam_score_match").asInt(1) == 0) {
                return new SourceVerdict(uniqueName(), UNKNOWN, null, List.of("no_match"), SourceVerdict.SUCCESSFUL);
            }
            Integer score = grade(result.path("spam_score"));
            if (score == null) {
                return malformed();
            }
            return verdict(score >= 80 ? FLAGGED : CLEAN, score, List.of());
        }
    };

    /** The name Twilio knows it by, in {@code AddOns=} and in the answer's {@code add_ons.results}. */
    public String uniqueName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether it grades a number (0 to 100), so a combined risk can be had from it. */
    public boolean grades() {
        return this != MARCHEX_CLEANCALL;
    }

    /** Reads the add-on's {@code result} once its status said successful. */
    abstract SourceVerdict read(JsonNode result);

    SourceVerdict verdict(Verdict verdict, Integer score, List<String> reasons) {
        return new SourceVerdict(uniqueName(), verdict, score, reasons, SourceVerdict.SUCCESSFUL);
    }

    SourceVerdict malformed() {
        return SourceVerdict.unknown(uniqueName(), "malformed_result");
    }

    /** A whole number from 0 to 100, or null. */
    private static Integer grade(JsonNode value) {
        if (!value.isIntegralNumber() || value.asInt() < 0 || value.asInt() > 100) {
            return null;
        }
        return value.asInt();
    }
}
