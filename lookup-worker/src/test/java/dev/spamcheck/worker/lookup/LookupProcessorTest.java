package dev.spamcheck.worker.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.twilio.StandInTwilio;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A lookup request from the worker's point of view, against a real PostgreSQL and a stand-in
 * Twilio over HTTP: a new number is paid for once and stored, a cached one costs nothing, two
 * lookups of one number at once make one call, and a failing Twilio leaves nothing stored.
 */
class LookupProcessorTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final StandInTwilio TWILIO = new StandInTwilio();
    private static final NumberProtection PROTECTION = NumberProtection.fromSecrets(key(), "k1:" + key());
    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final LookupProcessor processor = processor();

    @AfterAll
    static void stopTwilio() {
        TWILIO.close();
    }

    @Test
    void aNewNumberIsPaidForOnceStoredAndThenAnsweredFromTheCache() throws Exception {
        TWILIO.answers(1, 0);
        ProtectedNumber number = PROTECTION.protect("+12125550042");

        LookupResult first = processor.process(request(number)).orElseThrow();
        LookupResult again = processor.process(request(number)).orElseThrow();

        assertThat(first.outcome()).isEqualTo(Outcome.SCORED);
        assertThat(first.spamScore()).isEqualTo(1);
        assertThat(first.fromCache()).isFalse();
        assertThat(again.fromCache()).isTrue();
        assertThat(again.spamScore()).isEqualTo(1);
        assertThat(TWILIO.calls()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT number_ciphertext FROM phone_reputation WHERE number_hash = ?")
                .param(number.hash()).query(String.class).single())
                .as("stored protected, never in plaintext").doesNotContain("2125550042");
    }

    @Test
    void twoLookupsOfOneNumberAtOnceMakeOnePaidCall() throws Exception {
        TWILIO.answers(0, 500);
        ProtectedNumber number = PROTECTION.protect("+12125550777");
        int before = TWILIO.calls();
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Callable<Optional<LookupResult>> lookUp = () -> processor.process(request(number));
            List<Future<Optional<LookupResult>>> answers = callers.invokeAll(List.of(lookUp, lookUp));
            for (Future<Optional<LookupResult>> answer : answers) {
                assertThat(answer.get().orElseThrow().spamScore()).isZero();
            }
        }
        finally {
            callers.shutdownNow();
        }
        assertThat(TWILIO.calls() - before).isEqualTo(1);
    }

    @Test
    void aFailingTwilioGivesAnUnavailableResultAndStoresNothing() throws Exception {
        TWILIO.fails(500);
        ProtectedNumber number = PROTECTION.protect("+12125555000");

        LookupResult result = processor.process(request(number)).orElseThrow();

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.errorCode()).isEqualTo("twilio_http_500");
        assertThat(jdbc.sql("SELECT count(*) FROM phone_reputation WHERE number_hash = ?").param(number.hash())
                .query(Long.class).single()).isZero();
    }

    private LookupProcessor processor() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        SpamcheckProperties shared = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate("spamcheck", SpamcheckProperties.class);
        return new LookupProcessor(new ReputationStore(jdbc), new LookupClaims(jdbc),
                TWILIO.lookups(DATABASE, meters), PROTECTION, properties, shared, meters);
    }

    private static LookupRequest request(ProtectedNumber number) {
        return new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(), number.last4(),
                LookupRequest.Origin.INTERACTIVE, null, Instant.now(), Instant.now().plus(Duration.ofSeconds(5)));
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
