package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.schemas.topic.Topics;

/**
 * A service missing a required secret refuses to start and names it, without quoting secrets; one
 * configured for more partitions leaves the existing topics as they are.
 */
class ConfigurationSystemTest {

    @Test
    void aServiceDeclaringMorePartitionsLeavesExistingTopicsAsTheyAre() throws Exception {
        int before = partitions(Topics.LOOKUP_RESULTS.name());

        TestStack.get().startGateway(0, 0, Map.of("spamcheck.kafka.partitions", String.valueOf(before + 4))).close();

        // Grown, a keyed topic would put a number's new records beside its old ones in another
        // partition, and every running gateway would miss results in the new partitions.
        assertThat(partitions(Topics.LOOKUP_RESULTS.name())).isEqualTo(before);
        assertThat(Files.readString(Path.of("target", "devstack-tests.log")))
                .contains("Topic " + Topics.LOOKUP_RESULTS.name() + " has " + before + " partitions, not the "
                        + (before + 4) + " declared: left as it is");
    }

    private static int partitions(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestStack.get().kafkaBootstrapServers()))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().size();
        }
    }

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
