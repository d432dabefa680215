package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away (a restart, a failover) while lookups keep coming: callers get documented
 * answers, never a 500, and once it is back every path answers again within 10 s without anyone
 * restarting a service; the connection pools, and the audit sink, recover by themselves. And when
 * it stalls instead, callers are answered within the gateway's database timeout, not held.
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

    /**
     * PostgreSQL stalls rather than fails: here the tokens' table is locked, as a migration or a
     * {@code VACUUM FULL} locks it. Once a token's last verification has lapsed (a second), the
     * next request needs the table; it is answered 503 within the database timeout (5 s), where
     * before it was held for as long as the lock lasted, and every request behind it with it.
     */
    @Test
    void aStalledDatabaseIsAnsweredWithinTheDatabaseTimeoutNotWaitedFor() throws Exception {
        String cached = TestStack.uniqueNumber("0123");
        assertThat(TestStack.lookUp(cached).statusCode()).isEqualTo(200);

        AtomicReference<HttpResponse<String>> stalled = new AtomicReference<>();
        try (Connection locker = TestStack.database()) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE");
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).until(() -> {
                long started = System.nanoTime();
                HttpResponse<String> answer = TestStack.lookUp(cached);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
                if (answer.statusCode() == 200) {
                    return false;
                }
                assertThat(took).as("answered within the database timeout").isLessThan(Duration.ofSeconds(8));
                stalled.set(answer);
                return true;
            });
            locker.rollback();
        }

        HttpResponse<String> answer = stalled.get();
        assertThat(TestStack.json(answer).path("code").asString()).isEqualTo("service_unavailable");
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", answer);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(
                () -> assertThat(TestStack.lookUp(cached).statusCode()).isEqualTo(200));
    }

    /**
     * A statement the gateway gave up on still runs in PostgreSQL, on its connection: that
     * connection must not be handed to the next request (the pool hands out the one used last),
     * which would wait behind it and fail in turn. Here a slow admin query (its table locked)
     * times out, and the lookup right after it is answered.
     */
    @Test
    void aStatementGivenUpOnDoesNotHoldUpTheNextRequest() throws Exception {
        String cached = TestStack.uniqueNumber("0123");
        assertThat(TestStack.lookUp(cached).statusCode()).isEqualTo(200);
        try (Connection locker = TestStack.database()) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE webhook_subscriptions IN ACCESS EXCLUSIVE MODE");

            HttpResponse<String> slow = AdminApi.get("/api/v1/admin/webhooks");
            assertThat(slow.statusCode()).as(slow.body()).isEqualTo(503);

            // The lookup token's last verification is more than a second old: this one needs a query.
            long started = System.nanoTime();
            HttpResponse<String> next = TestStack.lookUp(cached);
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            locker.rollback();
        }
    }
}
