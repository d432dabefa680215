package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.twilio.CallGuard;
import dev.spamcheck.worker.twilio.TwilioLookups;

/**
 * The circuit breaker and bad credentials, on lookup-workers of their own that take no Kafka
 * traffic (their listeners do not start), so the shared worker's circuit stays closed.
 */
class TwilioAccountProtectionSystemTest {

    @Test
    void anOpenCircuitAnswersAtOnceWithoutCallingTwilioAndClosesAgain() {
        ConfigurableApplicationContext worker = TestStack.get().startWorker(Map.of(
                "spring.kafka.listener.auto-startup", "false",
                "spamcheck.twilio.max-retries", "0",
                "spamcheck.twilio.circuit.sliding-window-size", "4",
                "spamcheck.twilio.circuit.minimum-calls", "4",
                "spamcheck.twilio.circuit.open-for", "PT1S"));
        try {
            TwilioLookups twilio = worker.getBean(TwilioLookups.class);
            for (int i = 0; i < 4; i++) {
                assertThat(twilio.lookup(TestStack.uniqueNumber("5000"), true, null, Duration.ofSeconds(4), CallGuard.NONE))
                        .isInstanceOfSatisfying(ProviderAnswer.Unavailable.class,
                                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_500"));
            }
            String clean = TestStack.uniqueNumber("0123");

            assertThat(twilio.lookup(clean, true, null, Duration.ofSeconds(4), CallGuard.NONE))
                    .isEqualTo(new ProviderAnswer.Unavailable("circuit_open", false, false, Duration.ofSeconds(1)));
            assertThat(TestStack.get().twilio().callsFor(clean)).isZero();

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> twilio.lookup(clean, true, null, Duration.ofSeconds(4), CallGuard.NONE),
                            ProviderAnswer.Answered.class::isInstance);
        }
        finally {
            worker.close();
        }
    }

    @Test
    void badCredentialsAreNotRetriedAndSaidLoudly() throws Exception {
        ConfigurableApplicationContext worker = TestStack.get().startWorker(Map.of(
                "spring.kafka.listener.auto-startup", "false",
                "TWILIO_AUTH_TOKEN", "not-the-token"));
        try {
            String number = TestStack.uniqueNumber("0123");

            ProviderAnswer answer = worker.getBean(TwilioLookups.class).lookup(number, true, null, Duration.ofSeconds(4), CallGuard.NONE);

            assertThat(answer).isInstanceOfSatisfying(ProviderAnswer.Unavailable.class,
                    unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_auth_failed"));
            assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(1);
            assertThat(Files.readString(Path.of("target", "devstack-tests.log")))
                    .contains("ERROR").contains("Twilio rejected the credentials");
        }
        finally {
            worker.close();
        }
    }
}
