package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away (a restart, a failover) while lookups keep coming: callers get documented
 * answers, never a 500, and once it is back every path answers again within 10 s without anyone
 * restarting a service; the connection pools, and the audit sink, recover by themselves.
 */
class DatabaseOutageSystemTest {

    @Test
    void lookupsAnswerDocumentedCodesDuringAnOutageAndRecoverByThemselves() throws Exception {
        DevStack stack = TestStack.get();
        String cached = TestStack.uniqueNumber("0123");
        HttpResponse<String> before = TestStack.lookUp(cached);
        assertThat(before.statusCode()).isEqualTo(200);

        stack.stopDatabase();
        try {
            // A cached number and a new one, at once, while the database is down. The gateway's
            // answer view still answers the cached one while the token's verification is fresh
            // (a second), after that 503; the new one cannot be looked up.
            CompletableFuture<HttpResponse<String>> hit = CompletableFuture.supplyAsync(() -> TestStack.lookUp(cached));
            CompletableFuture<HttpResponse<String>> miss = CompletableFuture.supplyAsync(
                    () -> TestStack.lookUp(TestStack.uniqueNumber("0042")));
            assertThat(hit.get().statusCode()).as(hit.get().body()).isIn(200, 503);
            if (hit.get().statusCode() == 200) {
                assertThat(hit.get().body()).isEqualTo(before.body());
            }
            assertThat(miss.get().statusCode()).as(miss.get().body()).isEqualTo(503);
            for (CompletableFuture<HttpResponse<String>> answer : List.of(hit, miss)) {
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", answer.get());
            }
        }
        finally {
            stack.startDatabase();
        }

        long restarted = System.nanoTime();
        // Both paths: a hit may answer from memory before the gateway's pool has replaced its
        // broken connections, which a miss (read from PostgreSQL first) then finds.
        AtomicReference<HttpResponse<String>> recovered = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpResponse<String> hit = TestStack.lookUp(cached);
            assertThat(hit.statusCode()).as(hit.body()).isIn(200, 503);
            assertThat(hit.statusCode()).isEqualTo(200);
            HttpResponse<String> miss = TestStack.lookUp(TestStack.uniqueNumber("0042"));
            assertThat(miss.statusCode()).as(miss.body()).isIn(200, 503);
            assertThat(miss.statusCode()).isEqualTo(200);
            recovered.set(miss);
        });
        HttpResponse<String> miss = recovered.get();
        assertThat(miss.body()).contains("\"spam_score\":1");
        assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThan(Duration.ofSeconds(10));
        // The audit sink recovers by itself too: the exchanges after the outage reach the table
        // once its back-off (at most 30 s between attempts) lets it try again.
        AuditLog.awaitRow(miss.headers().firstValue("X-Request-Id").orElseThrow(), Duration.ofSeconds(45));
    }
}
