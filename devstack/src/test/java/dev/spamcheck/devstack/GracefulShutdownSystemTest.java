package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SIGTERM, as a roll-out sends it, while a request waits for Twilio: the gateway stops taking new
 * requests but answers the one in flight, so a rolling update drops nothing.
 */
class GracefulShutdownSystemTest {

    @Test
    void aGatewayShuttingDownStillAnswersTheLookupItIsWaitingFor() throws Exception {
        DevStack stack = TestStack.get();
        ConfigurableApplicationContext gateway = stack.startGateway(0, 0);
        String number = TestStack.uniqueNumber("0042");
        stack.twilio().latency(Duration.ofMillis(1500));
        try {
            CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> TestStack
                    .postSpamScore(DevStack.baseUrl(gateway), "{\"phone_number\": \"" + number + "\"}"));
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.twilio().callsFor(number) == 1);

            gateway.close();

            HttpResponse<String> response = answer.get();
            TestStack.recordRequestId(response);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"spam_score\":1");
        }
        finally {
            stack.twilio().latency(Duration.ofMillis(50));
            gateway.close();
        }
    }
}
