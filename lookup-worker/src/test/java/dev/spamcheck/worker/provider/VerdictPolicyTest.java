package dev.spamcheck.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.SourceVerdict.Verdict;

/**
 * The table of docs/api.md ("Several sources"), row by row: what each policy answers for the same
 * sources, with the threshold at its default of 70. A source is written {@code name:verdict:grade}
 * ({@code -} for no grade), or {@code name:failed} / {@code name:missing}; {@code 503 code} is an
 * unavailable lookup.
 */
class VerdictPolicyTest {

    @ParameterizedTest(name = "{0} -> risk {1}; nomorobo {2}, any {3}, majority {4}, threshold {5}")
    @CsvSource(delimiter = '|', textBlock = """
            nomorobo:flagged:100 icehook:clean:20 truespam:clean:30        | 50 | 1 | 1 | 0 | 0
            nomorobo:clean:0 marchex:flagged:- truespam:flagged:85         | 43 | 0 | 1 | 1 | 0
            nomorobo:flagged:100 icehook:flagged:80                        | 90 | 1 | 1 | 1 | 1
            nomorobo:failed icehook:flagged:75                             | 75 | 503 addon_failed | 1 | 1 | 1
            nomorobo:flagged:100 marchex:clean:-                           | 100 | 1 | 1 | 0 | 1
            nomorobo:clean:0 icehook:clean:12 marchex:clean:-              | 6  | 0 | 0 | 0 | 0
            nomorobo:missing icehook:failed                                | -  | 503 addon_missing | 503 addon_missing | 503 addon_missing | 503 addon_missing
            nomorobo:clean:0 marchex:flagged:-                             | 0  | 0 | 1 | 0 | 0
            """)
    void eachPolicyDecidesFromTheSameSources(String sources, String risk, String nomorobo, String any,
            String majority, String threshold) {
        List<SourceVerdict> verdicts = parse(sources);
        Integer expectedRisk = risk.equals("-") ? null : Integer.valueOf(risk);
        assertDecides(VerdictPolicy.NOMOROBO, verdicts, expectedRisk, nomorobo);
        assertDecides(VerdictPolicy.ANY, verdicts, expectedRisk, any);
        assertDecides(VerdictPolicy.MAJORITY, verdicts, expectedRisk, majority);
        assertDecides(VerdictPolicy.THRESHOLD, verdicts, expectedRisk, threshold);
    }

    private static void assertDecides(VerdictPolicy policy, List<SourceVerdict> sources, Integer risk,
            String expected) {
        VerdictPolicy.Decision decision = policy.decide(sources, 70);
        if (expected.startsWith("503 ")) {
            assertThat(decision.decided()).as(policy.name()).isFalse();
            assertThat(decision.errorCode()).as(policy.name()).isEqualTo(expected.substring(4));
        }
        else {
            assertThat(decision.spamScore()).as(policy.name()).isEqualTo(Integer.valueOf(expected));
            assertThat(decision.risk()).as(policy.name()).isEqualTo(risk);
        }
    }

    private static List<SourceVerdict> parse(String sources) {
        List<SourceVerdict> verdicts = new ArrayList<>();
        for (String source : sources.trim().split("\\s+")) {
            String[] parts = source.split(":");
            String name = switch (parts[0]) {
                case "nomorobo" -> "nomorobo_spamscore";
                case "icehook" -> "icehook_scout";
                case "marchex" -> "marchex_cleancall";
                default -> "truecnam_truespam";
            };
            if (parts.length == 2) {
                verdicts.add(SourceVerdict.unknown(name, parts[1]));
            }
            else {
                verdicts.add(new SourceVerdict(name, Verdict.valueOf(parts[1].toUpperCase()),
                        parts[2].equals("-") ? null : Integer.valueOf(parts[2]), List.of(), "successful"));
            }
        }
        return verdicts;
    }
}
