package dev.spamcheck.devstack;

import static dev.spamcheck.devstack.TestStack.json;
import static dev.spamcheck.devstack.TestStack.lookUp;
import static dev.spamcheck.devstack.TestStack.uniqueNumber;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Every Twilio failure mode the stub can play has its documented answer, and the stub's journal
 * shows how often lookup-worker asked (1 attempt plus up to 3 retries).
 */
class TwilioFailureModesSystemTest {

    @ParameterizedTest(name = "...{0}: {1} {2} after {3} attempts")
    @CsvSource({
            "4290, 503, service_unavailable, 4",
            "5000, 503, service_unavailable, 4",
            "5020, 503, service_unavailable, 1",
            "5030, 503, service_unavailable, 4",
            "6100, 503, service_unavailable, 1",
            "4000, 503, service_unavailable, 1",
            "7777, 503, service_unavailable, 1",
            "4040, 422, phone_number_not_found, 1"})
    void answersEachFailureModeAsDocumented(String lastFour, int status, String code, int attempts) {
        String number = uniqueNumber(lastFour);

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(json(response).get("code").asString()).isEqualTo(code);
        assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(attempts);
    }

    @Test
    void rateLimitsOfTheLookupPackageAreRetriedAfterTheirRetryAfter() {
        String number = uniqueNumber("6061");

        HttpResponse<String> response = lookUp(number);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("spam_score").asInt()).isZero();
        List<Instant> attempts = TestStack.get().twilio().callTimesFor(number);
        assertThat(attempts).hasSize(3);
        // The stub's 60616 answers say Retry-After: 1.
        assertThat(Duration.between(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(990));
        assertThat(Duration.between(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(990));
    }

    @Test
    void aFailureIsKeyedApartFromAnswersSoCompactionKeepsANumbersLastAnswer() {
        String failing = uniqueNumber("6100");
        String clean = uniqueNumber("0123");
        assertThat(lookUp(failing).statusCode()).isEqualTo(503);
        assertThat(lookUp(clean).statusCode()).isEqualTo(200);

        String failingHash = TestStack.protection().protect(failing).hash();
        String cleanHash = TestStack.protection().protect(clean).hash();
        assertThat(TopicContents.read(Topics.LOOKUP_RESULTS.name())).extracting(ConsumerRecord::key)
                .contains(cleanHash).doesNotContain(failingHash);
        assertThat(TopicContents.read(Topics.LOOKUP_FAILURES.name())).extracting(ConsumerRecord::key).contains(failingHash);
    }

    @Test
    void anUnknownNumberIsCachedForTheTtl() {
        String number = uniqueNumber("4040");

        assertThat(lookUp(number).statusCode()).isEqualTo(422);
        assertThat(lookUp(number).statusCode()).isEqualTo(422);

        assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(1);
    }
}
