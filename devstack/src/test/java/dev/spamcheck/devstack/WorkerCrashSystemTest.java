package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;

/**
 * {@code kill -9} of a lookup-worker in the middle of a burst of new numbers, its Twilio calls in
 * flight and its offsets uncommitted. The other worker takes its partitions over once the group
 * notices (the worker's 6 s session); callers that honour {@code Retry-After} all get their
 * answers well within their own deadline, and no number is paid for twice unless the dead worker
 * was inside its Twilio call, or had the answer but not yet stored it, when it died (that answer
 * died with it). On a devstack of its own,
 * whose second worker is a process of its own.
 */
class WorkerCrashSystemTest {

    private static final Duration STUB_LATENCY = Duration.ofMillis(800);
    /** How long a caller (a HubSpot workflow, a Make scenario) keeps retrying before giving up. */
    private static final Duration CALLER_DEADLINE = Duration.ofSeconds(40);
    /** Of the lookup requests topic (spamcheck.kafka.partitions). */
    private static final int PARTITIONS = 12;

    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = OwnStack.start("worker-crash-test", STUB_LATENCY, false);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void aKilledWorkersLookupsAreTakenOverAndNoNumberIsPaidTwice() throws Exception {
        ServiceProcess doomed = stack.startWorkerProcess(Map.of());
        KeyOrderedConsumer survivor = stack.workers().get(0).getBean(KeyOrderedConsumer.class);
        // Both own partitions of the lookup requests: the burst lands on both.
        await().atMost(Duration.ofSeconds(60)).until(() -> !survivor.assignedPartitions().isEmpty()
                && survivor.assignedPartitions().size() < PARTITIONS);

        ExecutorService callers = Executors.newFixedThreadPool(40);
        List<String> numbers = new ArrayList<>();
        List<CompletableFuture<Caller>> answers = new ArrayList<>();
        try {
            // 40 new numbers at 20 per second, below the account's 25 calls per second.
            for (int i = 0; i < 40; i++) {
                String number = Traffic.uniqueNumber("0123");
                numbers.add(number);
                answers.add(CompletableFuture.supplyAsync(() -> Caller.lookUp(number), callers));
                if (i == 20) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> stack.twilio().totalCalls() >= 10);
                }
                else {
                    Thread.sleep(50);
                }
            }
            Instant killedAt = Instant.now();
            doomed.kill();
            long killed = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> survivor.assignedPartitions().size() == PARTITIONS);
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);

            int retried = 0;
            for (CompletableFuture<Caller> answer : answers) {
                Caller caller = answer.get();
                retried += caller.responses().size() > 1 ? 1 : 0;
                assertThat(caller.statuses()).as("%s", caller).allMatch(status -> status == 200 || status == 503);
                assertThat(caller.last().statusCode()).as(caller.last().body()).isEqualTo(200);
                assertThat(caller.took()).isLessThan(CALLER_DEADLINE);
            }
            // The kill hit work in hand: callers of its partitions were told to come back.
            assertThat(retried).as("callers that retried").isPositive();
            assertThat(takeover).as("partitions taken over after the kill").isLessThan(Duration.ofSeconds(12));
            for (String number : numbers) {
                List<Instant> calls = stack.twilio().callTimesFor(number);
                assertThat(calls).as("Twilio calls for %s", number).isNotEmpty().hasSizeLessThanOrEqualTo(2);
                if (calls.size() == 2) {
                    // Paid again only because the first call was in flight when its worker died, or
                    // its answer not yet stored: the new worker's JVM is cold, and once took 1.6 s to
                    // store an answer on a busy machine (warming it first cost 30 s of the run). The
                    // stub stamps a call when its server thread takes it, which on a busy machine was
                    // once 107 ms after the kill for a call sent before it; the survivor takes over
                    // the dead worker's numbers only after its session (6 s) has expired.
                    assertThat(calls.get(0)).as("first call of a number paid twice")
                            .isAfter(killedAt.minus(STUB_LATENCY).minusSeconds(3))
                            .isBefore(killedAt.plusSeconds(1));
                }
            }

            // New numbers now go to the survivor at once.
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = OwnStack.lookUp(stack, Traffic.uniqueNumber("0042"));
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }
        }
        finally {
            callers.shutdownNow();
            doomed.close();
        }
    }

    /** A caller that retries 503s as told by Retry-After until its deadline. */
    private record Caller(List<HttpResponse<String>> responses, Duration took) {

        static Caller lookUp(String number) {
            List<HttpResponse<String>> responses = new ArrayList<>();
            long started = System.nanoTime();
            while (true) {
                HttpResponse<String> response = OwnStack.lookUp(stack, number);
                responses.add(response);
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                if (response.statusCode() != 503 || took.compareTo(CALLER_DEADLINE) > 0) {
                    return new Caller(responses, took);
                }
                OpenApiContract.assertDocumented("POST", "/api/v1/spam_score", response);
                long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
                try {
                    Thread.sleep(Duration.ofSeconds(retryAfter).toMillis());
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return new Caller(responses, took);
                }
            }
        }

        List<Integer> statuses() {
            return responses.stream().map(HttpResponse::statusCode).toList();
        }

        HttpResponse<String> last() {
            return responses.get(responses.size() - 1);
        }
    }
}
