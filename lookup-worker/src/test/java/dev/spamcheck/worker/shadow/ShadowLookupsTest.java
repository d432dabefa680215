package dev.spamcheck.worker.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ReputationProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The shadow provider against the real tables: every sampled number compared and counted per day,
 * none beyond the daily limit or the rate, and a provider that says nothing counted as undecided.
 */
class ShadowLookupsTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private SimpleMeterRegistry meters;
    private ShadowLookups shadow;

    @BeforeEach
    void clean() {
        jdbc.sql("DELETE FROM provider_daily_calls").update();
        jdbc.sql("DELETE FROM provider_agreement").update();
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void stop() throws Exception {
        if (shadow != null) {
            shadow.destroy();
        }
    }

    @Test
    void eachComparisonIsCountedAgreedDisagreedOrUndecided() {
        shadow = shadow(Map.of("spamcheck.providers.telnyx.sample", "1", "spamcheck.providers.telnyx.rate", "10"),
                number -> switch (number.substring(8)) {
            case "0042" -> verdict(SourceVerdict.Verdict.FLAGGED);
            case "0123" -> verdict(SourceVerdict.Verdict.CLEAN);
            default -> new ProviderAnswer.NotFound();
        });

        shadow.offer("+12025550042", 1);
        shadow.offer("+12025550123", 1);
        shadow.offer("+12025559999", 0);

        await().atMost(Duration.ofSeconds(5)).until(() -> total() == 3);
        assertThat(jdbc.sql("SELECT agreed, disagreed, undecided FROM provider_agreement WHERE provider = 'telnyx'")
                .query((rs, row) -> List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3))).single())
                .containsExactly(1, 1, 1);
        assertThat(meters.get("spamcheck.provider.agreement").tag("provider", "telnyx").gauge().value()).isEqualTo(0.5);
        assertThat(meters.get("spamcheck.provider.comparisons").tag("result", "undecided").counter().count()).isEqualTo(1);
    }

    @Test
    void noMoreCallsThanTheDailyLimitOrTheRateAllow() {
        shadow = shadow(Map.of("spamcheck.providers.telnyx.sample", "1", "spamcheck.providers.telnyx.daily-call-limit",
                "2", "spamcheck.providers.telnyx.rate", "3"), number -> verdict(SourceVerdict.Verdict.CLEAN));

        for (int i = 0; i < 5; i++) {
            shadow.offer("+1202555012" + i, 0);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> meters.find("spamcheck.provider.skipped")
                .tag("reason", "daily_limit").counter() != null);
        assertThat(asked).hasSize(2);
        assertThat(meters.get("spamcheck.provider.skipped").tag("reason", "rate").counter().count()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT calls FROM provider_daily_calls").query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void withoutASampleOrInOffModeNothingIsAsked() {
        shadow = shadow(Map.of("spamcheck.providers.telnyx.sample", "0"), number -> verdict(SourceVerdict.Verdict.CLEAN));
        shadow.offer("+12025550123", 0);
        ShadowLookups off = new ShadowLookups(properties(Map.of()), new ShadowStore(jdbc), meters);
        off.offer("+12025550123", 0);

        assertThat(asked).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM provider_daily_calls").query(Integer.class).single()).isZero();
    }

    private ShadowLookups shadow(Map<String, String> settings, java.util.function.Function<String, ProviderAnswer> answers) {
        ReputationProvider provider = (e164, timeout) -> {
            asked.add(e164);
            return answers.apply(e164);
        };
        return new ShadowLookups(provider, properties(settings).providers().telnyx(), new ShadowStore(jdbc), meters);
    }

    private int total() {
        return jdbc.sql("SELECT coalesce(sum(agreed + disagreed + undecided), 0) FROM provider_agreement")
                .query(Integer.class).single();
    }

    private static WorkerProperties properties(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck", WorkerProperties.class);
    }

    private static ProviderAnswer verdict(SourceVerdict.Verdict verdict) {
        return new ProviderAnswer.Answered(List.of(new SourceVerdict("telnyx_number_reputation", verdict, null, List.of(),
                "successful")));
    }
}
