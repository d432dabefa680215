package dev.spamcheck.worker.shadow;

import java.util.Locale;

import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.provider.ProviderAnswer;

/** How a shadow provider's verdict compares with the answer given. */
enum Agreement {
    /** It flags the number exactly when the answer did. */
    AGREED,
    /** It flags the number the answer called clean, or the other way round. */
    DISAGREED,
    /** It had no verdict: not found, no data, unavailable. */
    UNDECIDED;

    static Agreement of(ProviderAnswer answer, int spamScore) {
        if (!(answer instanceof ProviderAnswer.Answered answered)) {
            return UNDECIDED;
        }
        return answered.sources().stream().filter(SourceVerdict::decided).findFirst()
                .map(verdict -> (verdict.verdict() == SourceVerdict.Verdict.FLAGGED) == (spamScore == 1) ? AGREED
                        : DISAGREED)
                .orElse(UNDECIDED);
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
