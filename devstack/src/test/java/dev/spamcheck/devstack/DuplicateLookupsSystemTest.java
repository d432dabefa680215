package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.DuplicateLookups;

/** One paid call per number, however many callers ask at once through however many instances. */
class DuplicateLookupsSystemTest {

    @Test
    void twoHundredConcurrentRequestsForTwentyNumbersThroughTwoGatewaysAndTwoWorkersCostTwentyCalls() throws Exception {
        DevStack stack = TestStack.get();
        ConfigurableApplicationContext gateway = stack.startGateway(0, 0);
        ConfigurableApplicationContext worker = stack.startWorker();
        try {
            Workers.awaitLookupRequestsBalanced();

            DuplicateLookups.Report report = DuplicateLookups.run(stack,
                    List.of(stack.baseUrl(), DevStack.baseUrl(gateway)), 200, 20);

            assertThat(report.statuses()).hasSize(200).allMatch(status -> status == 200);
            assertThat(report.twilioCalls()).isEqualTo(20);
        }
        finally {
            worker.close();
            gateway.close();
            Workers.awaitLookupRequestsBalanced();
        }
    }
}
