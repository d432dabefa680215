package dev.spamcheck.schemas.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.testing.TestDatabase;

/** The product's migrations give up waiting for a table instead of stalling every query behind them. */
class MigrationLocksTest {

    private final DataSource database = TestDatabase.fresh();
    private final Flyway flyway = Flyway.configure().dataSource(database)
            .locations("classpath:db/migration", "classpath:db/lock-test").load();

    @Test
    void aMigrationThatCannotHaveItsTableGivesUpSoTheQueriesQueuedBehindItAreAnswered() throws Exception {
        CompletableFuture<Object> migration;
        CompletableFuture<Integer> tokenCheck;
        try (Connection longTransaction = database.getConnection()) {
            // A transaction that read the table and goes on (a nightly batch, a slow admin query).
            longTransaction.setAutoCommit(false);
            count(longTransaction);

            migration = CompletableFuture.supplyAsync(flyway::migrate);
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingForALock() == 1);
            // A query from then on queues behind the migration's wait, as a gateway's token check would.
            tokenCheck = CompletableFuture.supplyAsync(() -> {
                try (Connection connection = database.getConnection()) {
                    return count(connection);
                }
                catch (SQLException ex) {
                    throw new IllegalStateException(ex);
                }
            });

            // Both end while the long transaction is still open: the query answered, the migration failed.
            assertThat(tokenCheck.get(20, TimeUnit.SECONDS)).isZero();
            assertThat(migration).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                    .havingRootCause().withMessageContaining("lock timeout");
            longTransaction.rollback();
        }

        // Nothing was left half done: run again once the table is free, the migration goes through.
        flyway.migrate();
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            assertThat(statement.execute("SELECT lock_test FROM api_tokens")).isTrue();
        }
    }

    private static int count(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM api_tokens")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private int waitingForALock() throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
