package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SIGTERM, as a roll-out sends it, to a gateway under load: it stops taking new requests but
 * answers every one in flight (ten lookups waiting for Twilio), and the other gateway takes the
 * new ones (here the client fails over, as a load balancer would).
 */
class GracefulShutdownSystemTest {

    @Test
    void aGatewayShuttingDownAnswersEveryRequestInFlightAndTheOtherTakesNewOnes() throws Exception {
        DevStack stack = TestStack.get();
        ConfigurableApplicationContext gateway = stack.startGateway(0, 0);
        String stopping = DevStack.baseUrl(gateway);
        List<String> fresh = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fresh.add(TestStack.uniqueNumber("0042"));
        }
        stack.twilio().latency(Duration.ofMillis(1500));
        try {
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (String number : fresh) {
                inFlight.add(CompletableFuture.supplyAsync(() -> TestStack.postSpamScore(stopping, body(number))));
            }
            // In flight for certain: the gateway has them, and is waiting for Twilio's answers.
            await().atMost(Duration.ofSeconds(10)).until(() -> fresh.stream().allMatch(n -> stack.twilio().callsFor(n) == 1));

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(gateway::close);
            // New requests while it stops: refused by the stopping gateway, answered by the other.
            List<Integer> newRequests = new ArrayList<>();
            String campaign = "graceful-" + System.nanoTime();
            while (!stopped.isDone()) {
                newRequests.add(failingOver(stopping, stack.baseUrl(), TestStack.uniqueNumber("0123"), campaign)
                        .statusCode());
            }
            stopped.get();
            // A request can reach the stopping gateway on a kept-alive connection in the instant
            // that connection closes: its client sees no answer and retries elsewhere, and the
            // gateway audits it as abandoned, which is what happened.
            TestStack.excuseAbandonedInCampaign(campaign);

            for (CompletableFuture<HttpResponse<String>> answer : inFlight) {
                HttpResponse<String> response = answer.get();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }
            assertThat(newRequests).isNotEmpty().containsOnly(200);
        }
        finally {
            stack.twilio().latency(Duration.ofMillis(50));
            gateway.close();
        }
    }

    private static HttpResponse<String> failingOver(String first, String second, String number, String campaign) {
        String body = "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}";
        try {
            return TestStack.postSpamScore(first, body);
        }
        catch (UncheckedIOException refusedOrClosedUnanswered) {
            // As a load balancer retries a request that got no answer (HAProxy: retry-on
            // conn-failure empty-response): refused, or an idle connection closed under it.
            return TestStack.postSpamScore(second, body);
        }
    }

    private static String body(String number) {
        return "{\"phone_number\": \"" + number + "\"}";
    }
}
