package dev.spamcheck.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuditPathsTest {

    private static final Set<String> LITERALS = Set.of("api", "v1", "spam_score", "admin", "tokens", "openapi.yaml");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /api/v1/spam_score | /api/v1/spam_score
            /api/v1/spam_score/+12125550198 | /api/v1/spam_score/*
            /api/v1/spam_score;n=+12125550199 | /api/v1/spam_score
            /api/v1/openapi.yaml;access_token=sct_abcdefghijklmnopqrst | /api/v1/openapi.yaml
            /%61pi/v1/admin/tokens | /*/v1/admin/tokens
            /api//v1/./admin/../tokens/ | /api//v1/*/admin/*/tokens/
            /API/V1/ADMIN | /*/*/*
            / | /
            """)
    void keepsOnlyRouteLiteralsAndDropsParameters(String raw, String recorded) {
        assertThat(AuditPaths.reduce(raw, LITERALS)).isEqualTo(recorded);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/12125550198/2125550198/5550198", "/sct_qLIhS-yJT7PLMypJNbEZPVe3_xb8aFOGJxuVv8JF6Q4"})
    void neverHoldsANumberOrAToken(String raw) {
        assertThat(AuditPaths.reduce(raw, LITERALS)).doesNotContainPattern("[0-9]{4}").doesNotContain("sct_");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500", "5000"})
    void isBoundedInLength(int segments) {
        assertThat(AuditPaths.reduce("/api".repeat(segments), LITERALS)).hasSizeLessThanOrEqualTo(AuditPaths.MAX_LENGTH);
    }
}
