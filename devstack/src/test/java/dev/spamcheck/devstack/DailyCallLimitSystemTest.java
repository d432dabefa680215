package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.Traffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code spamcheck.twilio.daily-call-limit} is a hard ceiling for the whole account: two workers
 * together make exactly that many calls a day; uncached lookups beyond it answer 429
 * {@code budget_exhausted} until the next UTC day, cache hits keep answering, and bulk work waits
 * without losing an entry.
 */
class DailyCallLimitSystemTest {

    @Test
    void theDailyCallLimitHoldsAcrossWorkers() throws Exception {
        // The cap is set from today's count: a run across UTC midnight would start a new day's.
        Assumptions.assumeTrue(LocalTime.now(ZoneOffset.UTC).isBefore(LocalTime.of(23, 55)),
                "not within five minutes of UTC midnight");
        DevStack stack = TestStack.get();
        stack.workers().forEach(ConfigurableApplicationContext::close);
        int before = callsToday();
        Map<String, String> capped = Map.of("spamcheck.twilio.daily-call-limit", String.valueOf(before + 3));
        List<ConfigurableApplicationContext> cappedWorkers = List.of(stack.startWorker(capped), stack.startWorker(capped));
        String prewarmed = TestStack.uniqueNumber("0123");
        try {
            Workers.awaitLookupRequestsBalanced();
            List<String> numbers = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> lookups = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String number = TestStack.uniqueNumber("0123");
                numbers.add(number);
                lookups.add(CompletableFuture.supplyAsync(() -> TestStack.lookUp(number)));
            }
            List<HttpResponse<String>> answers = lookups.stream().map(CompletableFuture::join).toList();

            assertThat(answers).filteredOn(answer -> answer.statusCode() == 200).hasSize(3);
            for (HttpResponse<String> refused : answers.stream().filter(answer -> answer.statusCode() != 200).toList()) {
                assertThat(refused.statusCode()).isEqualTo(429);
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", refused);
                assertThat(TestStack.json(refused).get("code").asString()).isEqualTo("budget_exhausted");
                assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                        .isBetween(1L, 86_400L);
            }
            assertThat(numbers.stream().mapToLong(stack.twilio()::callsFor).sum()).isEqualTo(3);
            assertThat(callsToday()).isEqualTo(before + 3);
            String answered = numbers.get(answers.indexOf(answers.stream().filter(a -> a.statusCode() == 200)
                    .findFirst().orElseThrow()));
            assertThat(TestStack.lookUp(answered).statusCode()).as("a cache hit").isEqualTo(200);

            double refusedBefore = refusals(cappedWorkers);
            Traffic.prewarm(stack, List.of(Traffic.prewarmEntry(prewarmed, "capped")));
            await().atMost(Duration.ofSeconds(20)).until(() -> refusals(cappedWorkers) > refusedBefore);
            assertThat(stack.twilio().callsFor(prewarmed)).as("prewarm waits for tomorrow").isZero();
        }
        finally {
            cappedWorkers.forEach(ConfigurableApplicationContext::close);
            stack.startWorker();
            Workers.awaitLookupRequestsBalanced();
        }
        // The postponed entry was not lost: a worker with budget looks it up.
        await().atMost(Duration.ofSeconds(30)).until(() -> stack.twilio().callsFor(prewarmed) == 1);
    }

    private static double refusals(List<ConfigurableApplicationContext> workers) {
        return workers.stream().mapToDouble(worker -> {
            Counter counter = worker.getBean(MeterRegistry.class).find("spamcheck.twilio.calls")
                    .tag("outcome", "budget_exhausted").counter();
            return counter == null ? 0 : counter.count();
        }).sum();
    }

    private static int callsToday() throws Exception {
        try (Connection db = TestStack.database(); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT coalesce(sum(calls), 0) FROM twilio_daily_calls WHERE day = (now() AT TIME ZONE 'UTC')::date")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
