package dev.spamcheck.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.spamcheck.worker.provider.VerdictPolicy;
import dev.spamcheck.worker.twilio.LookupAddOn;

/** The add-ons and verdict policy as an operator sets them: what starts, and what refuses to. */
class WorkerPropertiesTest {

    private static WorkerProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck", WorkerProperties.class);
    }

    @Test
    void byDefaultNomoroboAloneDecides() {
        WorkerProperties properties = bind(Map.of());
        assertThat(properties.providers().twilio().addOns()).containsExactly(LookupAddOn.NOMOROBO_SPAMSCORE);
        assertThat(properties.verdict().policy()).isEqualTo(VerdictPolicy.NOMOROBO);
        assertThat(properties.verdict().threshold()).isEqualTo(70);
    }

    @Test
    void readsAddOnsByTheirTwilioNames() {
        WorkerProperties properties = bind(Map.of("spamcheck.providers.twilio.add-ons",
                "nomorobo_spamscore, icehook_scout,marchex_cleancall,truecnam_truespam", "spamcheck.verdict.policy", "majority"));
        assertThat(properties.providers().twilio().addOns()).containsExactly(LookupAddOn.values());
        assertThat(properties.verdict().policy()).isEqualTo(VerdictPolicy.MAJORITY);
    }

    @Test
    void refusesWhatCouldNeverDecide() {
        assertThatThrownBy(() -> bind(Map.of("spamcheck.providers.twilio.add-ons", "whitepages_pro_phone_rep")))
                .isInstanceOf(BindException.class);
        assertThatThrownBy(() -> bind(Map.of("spamcheck.providers.twilio.add-ons", "icehook_scout")))
                .hasRootCauseMessage("spamcheck.verdict.policy nomorobo needs nomorobo_spamscore in "
                        + "spamcheck.providers.twilio.add-ons");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.providers.twilio.add-ons", "marchex_cleancall",
                "spamcheck.verdict.policy", "threshold")))
                .rootCause().hasMessageStartingWith("spamcheck.verdict.policy threshold needs an add-on that grades");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.verdict.threshold", "101")))
                .rootCause().hasMessage("spamcheck.verdict.threshold must be from 0 to 100");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.twilio.client-weights[tok_a]", "0")))
                .rootCause().hasMessage("spamcheck.twilio.client-weights must each be from 1 to 100");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.prewarm-budget", "PT0.4S")))
                .rootCause().hasMessage("spamcheck.lookup-budget and spamcheck.prewarm-budget must be at least 1000 ms");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.lookup-budget", "0s")))
                .rootCause().hasMessageStartingWith("spamcheck.lookup-budget and spamcheck.prewarm-budget");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.prewarm-concurrency", "0")))
                .rootCause().hasMessage("spamcheck.lookup-concurrency and spamcheck.prewarm-concurrency must be at least 1");
    }

    @Test
    void aPrewarmBatchMustEndWellWithinItsConsumersPollInterval() {
        // Two consumers' batches of 64 share the threads: 8 rounds of 16 at 75 s each, 10 minutes of the 15.
        assertThat(bind(Map.of()).prewarmBudget()).hasSeconds(60);
        assertThat(bind(Map.of("spamcheck.prewarm-budget", "75s")).prewarmBudget()).hasSeconds(75);
        assertThatThrownBy(() -> bind(Map.of("spamcheck.prewarm-budget", "76s")))
                .rootCause().hasMessage("spamcheck.prewarm-budget PT1M16S times the 8 rounds the 128 entries of 2 "
                        + "consumers' batches take at spamcheck.prewarm-concurrency 16 may exceed 10 minutes: at most 75 s");
        assertThat(bind(Map.of("spamcheck.prewarm-budget", "300s", "spamcheck.prewarm-concurrency", "64"))
                .prewarmBudget()).hasMinutes(5);
        assertThatThrownBy(() -> bind(Map.of("spamcheck.prewarm-budget", "301s", "spamcheck.prewarm-concurrency",
                "64"))).rootCause().hasMessageEndingWith("at most 300 s");
        assertThatThrownBy(() -> bind(Map.of("spamcheck.prewarm-concurrency", "1")))
                .rootCause().hasMessageEndingWith("at most 4 s");
    }

    @Test
    void aTokenNotGivenAWeightWeighsOne() {
        WorkerProperties.Twilio twilio = bind(Map.of("spamcheck.twilio.client-weights[tok_AbC_1]", "3")).twilio();
        assertThat(twilio.weightOf("tok_AbC_1")).isEqualTo(3);
        assertThat(twilio.weightOf("tok_other")).isEqualTo(1);
        assertThat(twilio.weightOf("")).isEqualTo(1);
    }
}
