package dev.spamcheck.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Webhook settings that would start a notifier delivering nothing are refused at start. */
class NotifierPropertiesTest {

    private static NotifierProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spamcheck",
                NotifierProperties.class);
    }

    @Test
    void theDefaultsAndTheSystemTestsSettingsStart() {
        assertThat(bind(Map.of()).webhooks().maxInFlightPerWebhook()).isEqualTo(4);
        assertThat(bind(Map.of("spamcheck.webhooks.retry-initial-interval", "PT0.5S",
                "spamcheck.webhooks.retry-max-interval", "PT2S", "spamcheck.webhooks.retry-for", "PT10S",
                "spamcheck.webhooks.poll-interval", "PT0.2S")).webhooks().retryFor()).hasSeconds(10);
    }

    @Test
    void settingsThatDeliverNothingAreRefused() {
        for (Map.Entry<String, String> setting : Map.of(
                "spamcheck.webhooks.max-in-flight-per-webhook", "0",
                "spamcheck.webhooks.max-in-flight", "0",
                "spamcheck.webhooks.retry-initial-interval", "0s",
                "spamcheck.webhooks.retry-max-interval", "1s",
                "spamcheck.webhooks.timeout", "0s",
                "spamcheck.webhooks.poll-interval", "-1s").entrySet()) {
            assertThatThrownBy(() -> bind(Map.of(setting.getKey(), setting.getValue()))).as(setting.getKey())
                    .rootCause().hasMessageStartingWith("spamcheck.webhooks: ");
        }
    }
}
