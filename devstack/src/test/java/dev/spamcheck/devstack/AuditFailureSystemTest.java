package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.Topics;

/**
 * A 200 is never sent without its audit event: when Kafka cannot take the event (here the audit
 * topic is set to refuse every record as too large), the answer is 503.
 */
class AuditFailureSystemTest {

    @Test
    void aLookupWhoseAuditEventKafkaRefusesAnswers503() throws Exception {
        String number = TestStack.uniqueNumber("0123");
        try (Admin admin = admin()) {
            refuseAuditRecords(admin, AlterConfigOp.OpType.SET);
            try {
                // The broker applies topic configuration shortly after it is changed.
                HttpResponse<String> response = await().atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> lookUp(number), r -> r.statusCode() != 200);

                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(TestStack.json(response).get("code").asString()).isEqualTo("service_unavailable");
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
            }
            finally {
                refuseAuditRecords(admin, AlterConfigOp.OpType.DELETE);
            }
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> lookUp(number).statusCode() == 200);
    }

    /** Sent outside TestStack.send: the first answer's audit event is lost on purpose. */
    private static HttpResponse<String> lookUp(String number) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(TestStack.get().baseUrl() + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + number + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        response.headers().firstValue("X-Request-Id").ifPresent(TestStack::excuseFromAudit);
        return response;
    }

    private static void refuseAuditRecords(Admin admin, AlterConfigOp.OpType op) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.AUDIT_EVENTS.name());
        admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "16"), op)))).all().get();
    }

    private static Admin admin() {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrapServers());
        return Admin.create(config);
    }
}
