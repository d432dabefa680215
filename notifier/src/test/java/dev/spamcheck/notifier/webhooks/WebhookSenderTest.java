package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Receivers whose name servers do not answer: their attempts fail at the connect timeout, and the
 * other receivers' lookups are not queued behind theirs.
 */
class WebhookSenderTest {

    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    private final CountDownLatch nameServersBack = new CountDownLatch(1);
    private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();
    private final WebhookSender sender = new WebhookSender(Duration.ofMillis(300), Duration.ofSeconds(1), false,
            host -> {
                lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
                if (host.regionMatches(true, 0, "stuck", 0, 5)) {
                    try {
                        nameServersBack.await(30, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                // Every host here resolves to a private address: an answered lookup refuses at once.
                return false;
            });

    @AfterEach
    void nameServersAnswerAgain() {
        nameServersBack.countDown();
    }

    @Test
    void attemptsToAHostWhoseLookupHangsShareOneLookupAndLeaveTheOthersTheirs() {
        List<CompletableFuture<Attempt>> stuck = new ArrayList<>();
        // Four receivers, each with far more attempts than there are lookup threads.
        for (int attempt = 0; attempt < 40; attempt++) {
            for (int receiver = 0; receiver < 4; receiver++) {
                stuck.add(sender.send("https://Stuck-" + receiver + ".example/hook", "whsec_test", BODY));
            }
        }

        Attempt healthy = sender.send("https://healthy.example/hook", "whsec_test", BODY).join();

        assertThat(healthy.error()).isEqualTo(WebhookSender.NOT_PUBLIC);
        assertThat(stuck).allSatisfy(attempt -> assertThat(attempt.join().error()).isEqualTo("connect timeout"));
        // Looked up as written: the HTTP client connects to that very name, from the JDK's cache.
        assertThat(lookups).containsOnlyKeys("Stuck-0.example", "Stuck-1.example", "Stuck-2.example",
                "Stuck-3.example", "healthy.example");
        assertThat(lookups.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    }

    @Test
    void aLookupThatEndedIsMadeAgainForTheNextAttempt() {
        nameServersBack.countDown();
        assertThat(sender.send("https://stuck.example/hook", "whsec_test", BODY).join().error())
                .isEqualTo(WebhookSender.NOT_PUBLIC);

        await().untilAsserted(() -> {
            assertThat(sender.send("https://stuck.example/hook", "whsec_test", BODY).join().error())
                    .isEqualTo(WebhookSender.NOT_PUBLIC);
            assertThat(lookups.get("stuck.example")).hasValueGreaterThan(1);
        });
    }
}
