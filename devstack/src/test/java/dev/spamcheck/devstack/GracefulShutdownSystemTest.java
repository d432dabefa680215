package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.Traffic;

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

    /**
     * Stopped again and again while sixteen kept-alive connections keep asking: every request is
     * answered, refused, or its connection ends, so its client can retry elsewhere. Its event
     * loops once stopped without waiting for tasks handed to them in their last instant, and a
     * connection accepted then was never read nor closed: its request waited for the client's
     * timeout (about one stop in twelve).
     */
    @Test
    void aGatewayStoppedUnderKeptAliveLoadLeavesNoRequestWaiting() throws Exception {
        DevStack stack = TestStack.get();
        String number = TestStack.uniqueNumber("0123");
        assertThat(TestStack.lookUp(number).statusCode()).isEqualTo(200);
        String campaign = "stopping-" + System.nanoTime();
        // Requests the stopping gateway took and then dropped with their connection are audited as abandoned.
        TestStack.excuseAbandonedInCampaign(campaign);
        List<String> waiting = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 8; round++) {
            int stop = round + 1;
            ConfigurableApplicationContext gateway = stack.startGateway(0, 0);
            HttpRequest request = HttpRequest.newBuilder(URI.create(DevStack.baseUrl(gateway) + "/api/v1/spam_score"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + stack.lookupToken())
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}"))
                    .build();
            AtomicBoolean stopped = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            ExecutorService callers = Executors.newFixedThreadPool(16);
            try {
                for (int c = 0; c < 16; c++) {
                    callers.execute(() -> {
                        while (!stopped.get()) {
                            try {
                                Traffic.send(request);
                                answered.incrementAndGet();
                            }
                            catch (UncheckedIOException ex) {
                                if (ex.getCause() instanceof HttpTimeoutException) {
                                    waiting.add("a request left waiting at stop " + stop);
                                }
                            }
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= 200);
                // The callers keep asking while it stops: the stop is what is under test.
                gateway.close();
            }
            finally {
                stopped.set(true);
                callers.shutdown();
                assertThat(callers.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
                gateway.close();
            }
        }
        assertThat(waiting).isEmpty();
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
