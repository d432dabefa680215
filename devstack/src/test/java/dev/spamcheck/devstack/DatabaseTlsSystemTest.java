package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.testing.DatabaseTls;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The database is reached as Supabase must be: TLS, with the server's certificate checked against
 * the CA (SPAMCHECK_DB_SSL_MODE=verify-full). The devstack's PostgreSQL accepts nothing else.
 */
class DatabaseTlsSystemTest {

    @Test
    void everyServiceTalksToTheDatabaseOverTls() throws Exception {
        DevStack stack = TestStack.get();
        assertThat(TestStack.lookUp(TestStack.uniqueNumber("0123")).statusCode()).isEqualTo(200);

        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), stack.databaseUser(), "");
                ResultSet rows = db.createStatement().executeQuery("""
                        SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
                        FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
                        WHERE a.backend_type = 'client backend' AND a.client_addr IS NOT NULL""")) {
            rows.next();
            assertThat(rows.getLong(1)).as("connections over TLS").isGreaterThan(3);
            assertThat(rows.getLong(2)).as("connections in plaintext").isZero();
        }
    }

    @Test
    void aClientWithoutTlsIsTurnedAway() {
        String plain = TestStack.get().jdbcUrl().replaceFirst("\\?.*", "?sslmode=disable");

        assertThatThrownBy(() -> DriverManager.getConnection(plain, TestStack.get().databaseUser(), "").close())
                .isInstanceOf(SQLException.class).hasMessageContaining("no encryption");
    }

    @Test
    void aServiceRefusesADatabaseItsCaDidNotVouchFor() throws Exception {
        DevStack stack = TestStack.get();
        Path strangerCa = Files.createDirectories(Path.of("target", "stranger-ca").toAbsolutePath());
        DatabaseTls stranger = DatabaseTls.create(strangerCa);

        assertThatThrownBy(() -> stack.startGateway(0, 0,
                Map.of("SPAMCHECK_DB_SSL_ROOT_CERT", stranger.caCertificate().toString())).close())
                .hasStackTraceContaining("PKIX path");
    }

    @Test
    void servicesWorkWithoutPreparedStatementsAsBehindATransactionPooler() throws Exception {
        DevStack stack = TestStack.get();
        // The session connection: PostgreSQL itself, as a direct connection is.
        Map<String, String> pooled = Map.of("SPAMCHECK_DB_TRANSACTION_POOLER", "true",
                "SPAMCHECK_DB_SESSION_URL", stack.jdbcUrl().replaceFirst("^jdbc:", "").replaceFirst("\\?.*", ""));
        ConfigurableApplicationContext gateway = stack.startGateway(0, 0, pooled);
        ConfigurableApplicationContext worker = stack.startWorker(pooled);
        try {
            Workers.awaitLookupRequestsBalanced();
            // One the pooled worker looks up: it claims the number and stores the answer.
            String number = Workers.newNumber(worker.getBean(KeyOrderedConsumer.class), true,
                    NumberProtection.fromSecrets(stack.hashKey(), stack.encryptionKeys()), "0042");
            HttpResponse<String> miss = TestStack.postSpamScore(DevStack.baseUrl(gateway),
                    "{\"phone_number\": \"" + number + "\"}");
            HttpResponse<String> hit = TestStack.postSpamScore(DevStack.baseUrl(gateway),
                    "{\"phone_number\": \"" + number + "\"}");
            TestStack.recordRequestId(miss);
            TestStack.recordRequestId(hit);

            assertThat(miss.statusCode()).as(miss.body()).isEqualTo(200);
            assertThat(hit.body()).contains("\"spam_score\":1");
            assertThat(worker.getBean(MeterRegistry.class).get("spamcheck.lookup.cache").tag("result", "miss")
                    .counter().count()).as("looked up by the pooled worker").isGreaterThanOrEqualTo(1);
        }
        finally {
            worker.close();
            gateway.close();
            Workers.awaitLookupRequestsBalanced();
        }
    }
}
