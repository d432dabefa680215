package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/** A service missing a required secret refuses to start and names it, without quoting secrets. */
class ConfigurationSystemTest {

    @Test
    void aWorkerWithoutTwilioCredentialsRefusesToStart() {
        assertThatThrownBy(() -> TestStack.get().startWorker(Map.of("TWILIO_AUTH_TOKEN", "")))
                .rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("TWILIO_AUTH_TOKEN is not set");
    }

    @Test
    void aGatewayWithoutTheHashKeyRefusesToStart() {
        assertThatThrownBy(() -> TestStack.get().startGateway(0, 0, Map.of("spamcheck.hash-key", "")))
                .rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("SPAMCHECK_HASH_KEY is not set");
    }

    @Test
    void aGatewayWhoseManagementPortIsItsApiPortRefusesToStart() {
        // The actuator would be served on the API port, outside the API's perimeter.
        assertThatThrownBy(() -> TestStack.get().startGateway(18_099, 18_099))
                .rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("SPAMCHECK_MANAGEMENT_PORT must differ from SPAMCHECK_HTTP_PORT (18099)");
    }

    @Test
    void aWorkerRefusesToSendTwilioCredentialsOverPlainHttpToAnotherHost() {
        assertThatThrownBy(() -> TestStack.get().startWorker(Map.of("TWILIO_LOOKUP_BASE_URL", "http://lookups.twilio.com")))
                .rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessage("TWILIO_LOOKUP_BASE_URL must be an https:// URL (plain http is allowed only on loopback)");
    }

    @Test
    void aMalformedEncryptionKeyIsNamedButNotQuoted() {
        assertThatThrownBy(() -> TestStack.get().startGateway(0, 0,
                Map.of("spamcheck.encryption-keys", "k1:c2VjcmV0LWJ1dC1zaG9ydA==")))
                .rootCause().isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("SPAMCHECK_ENCRYPTION_KEYS")
                .hasMessageNotContaining("c2VjcmV0LWJ1dC1zaG9ydA");
    }
}
