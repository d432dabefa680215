package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.PrewarmUnderLoad;

/**
 * Two workers work off a prewarm backlog against a Twilio that takes 300 ms per call: the stub
 * never sees more than the account rate in a second, sees at least 90% of it, and interactive
 * lookups meanwhile are as fast as when idle. A smaller backlog than the benchmark's
 * (docs/BENCHMARKS.md) keeps the test short.
 */
class RateLimitSystemTest {

    private static final int RATE = 25;

    @Test
    void aPrewarmBacklogUsesTheRateWithoutExceedingItOrSlowingInteractiveLookups() throws Exception {
        DevStack stack = TestStack.get();
        ConfigurableApplicationContext worker = stack.startWorker();
        stack.twilio().latency(Duration.ofMillis(300));
        try {
            Workers.awaitLookupRequestsBalanced(12);
            Workers.awaitBalanced("lookup-prewarm", 12);

            // At 22 prewarm calls a second the backlog lasts about 80 s: about 100 interactive
            // lookups under load, against 60 on the idle system, so that a p95 rests on more than a
            // couple of samples on either side.
            PrewarmUnderLoad.Report report = PrewarmUnderLoad.run(stack, stack.baseUrl(), 1800, RATE, 60,
                    Duration.ofMillis(400));

            System.out.println("Rate limit test: " + report);
            assertThat(report.maxCallsInAnySecond()).isLessThanOrEqualTo(RATE);
            assertThat(report.sustainedRate()).isGreaterThanOrEqualTo(0.9 * RATE);
            assertThat(report.loadedP95()).isLessThanOrEqualTo((long) (report.idleP95() * 1.1));
        }
        finally {
            stack.twilio().latency(Duration.ofMillis(50));
            worker.close();
        }
    }
}
