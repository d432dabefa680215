package dev.spamcheck.worker.provider;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Objects;

import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.SourceVerdict.Verdict;

/**
 * How the sources' verdicts make an answer's {@code spam_score} ({@code spamcheck.verdict.policy}).
 * Every answer also carries the combined {@code risk}: the mean of the grades of the sources that
 * grade (0 to 100, rounded half up), absent when none does. Sources whose verdict is unknown
 * (failed, missing, no data) take no part. When the sources decide nothing, the lookup is
 * unavailable, with the reason of the first source that failed.
 */
public enum VerdictPolicy {

    /** Nomorobo's verdict alone, whatever the others say: spamcheck's answer before it had several sources. */
    NOMOROBO {
        @Override
        List<SourceVerdict> consulted(List<SourceVerdict> sources) {
            return sources.stream().filter(s -> s.source().equals("nomorobo_spamscore")).toList();
        }

        @Override
        Integer spamScore(List<SourceVerdict> sources, Integer risk, int threshold) {
            return sources.stream().filter(SourceVerdict::decided).findFirst()
                    .map(s -> s.verdict() == Verdict.FLAGGED ? 1 : 0).orElse(null);
        }
    },

    /** Flagged when any source flags the number; clean when at least one says clean and none flags. */
    ANY {
        @Override
        Integer spamScore(List<SourceVerdict> sources, Integer risk, int threshold) {
            if (count(sources, Verdict.FLAGGED) > 0) {
                return 1;
            }
            return count(sources, Verdict.CLEAN) > 0 ? 0 : null;
        }
    },

    /** Flagged when more of the sources that decided flag it than call it clean; a tie is clean. */
    MAJORITY {
        @Override
        Integer spamScore(List<SourceVerdict> sources, Integer risk, int threshold) {
            long flagged = count(sources, Verdict.FLAGGED);
            long clean = count(sources, Verdict.CLEAN);
            if (flagged + clean == 0) {
                return null;
            }
            return flagged > clean ? 1 : 0;
        }
    },

    /** Flagged when the combined risk reaches {@code spamcheck.verdict.threshold}. */
    THRESHOLD {
        @Override
        Integer spamScore(List<SourceVerdict> sources, Integer risk, int threshold) {
            return risk == null ? null : risk >= threshold ? 1 : 0;
        }
    };

    /** What the sources make: a spam score and risk, or why there is none. */
    public record Decision(Integer spamScore, Integer risk, String errorCode) {

        public boolean decided() {
            return spamScore != null;
        }
    }

    public Decision decide(List<SourceVerdict> sources, int threshold) {
        Integer risk = risk(sources);
        List<SourceVerdict> consulted = consulted(sources);
        Integer spamScore = spamScore(consulted, risk, threshold);
        if (spamScore != null) {
            return new Decision(spamScore, risk, null);
        }
        // The reason of the first consulted source that failed (addon_failed, addon_missing,
        // addon_malformed_result), or that none had anything to say.
        String reason = consulted.isEmpty() ? "missing" : consulted.stream().map(SourceVerdict::status)
                .filter(status -> !Objects.equals(status, SourceVerdict.SUCCESSFUL)).findFirst().orElse("no_verdict");
        return new Decision(null, null, "addon_" + reason);
    }

    /** The sources the policy decides by. */
    List<SourceVerdict> consulted(List<SourceVerdict> sources) {
        return sources;
    }

    abstract Integer spamScore(List<SourceVerdict> sources, Integer risk, int threshold);

    static Integer risk(List<SourceVerdict> sources) {
        List<Integer> grades = sources.stream().filter(SourceVerdict::decided).map(SourceVerdict::score)
                .filter(Objects::nonNull).toList();
        if (grades.isEmpty()) {
            return null;
        }
        int sum = grades.stream().mapToInt(Integer::intValue).sum();
        return BigDecimal.valueOf(sum).divide(BigDecimal.valueOf(grades.size()), 0, RoundingMode.HALF_UP).intValue();
    }

    private static long count(List<SourceVerdict> sources, Verdict verdict) {
        return sources.stream().filter(s -> s.verdict() == verdict).count();
    }
}
