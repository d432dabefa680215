package dev.spamcheck.schemas.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import dev.spamcheck.schemas.testing.EmbeddedPostgres;
import dev.spamcheck.schemas.testing.TestDatabase;

/**
 * A query whose connection falls silent is given up after the socket timeout, on the URLs every
 * service's queries use; a migration's is not. PostgreSQL busy in {@code pg_sleep} sends nothing,
 * which is what the client sees of a connection a firewall dropped without a word.
 */
class DatabaseSocketTimeoutTest {

    private final PGSimpleDataSource database = (PGSimpleDataSource) TestDatabase.fresh();
    private final String server = "127.0.0.1:" + database.getPortNumbers()[0] + "/" + database.getDatabaseName();
    // The session URL differs (an option of its own), so each URL is shown to carry the timeout.
    private final DatabaseConnection connection = DatabaseConnection.from(Map.of(
            "SPAMCHECK_DB_URL", "postgresql://" + server, "SPAMCHECK_DB_SESSION_URL", "postgresql://" + server
                    + "?ApplicationName=session",
            "SPAMCHECK_DB_SSL_MODE", "require", "SPAMCHECK_DB_SOCKET_TIMEOUT", "1s")::get);

    @Test
    void aQueryThatHearsNothingFailsInsteadOfWaitingForEver() {
        for (String url : new String[] {connection.jdbcUrl(), connection.sessionJdbcUrl()}) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> sleep(url, 30)).isInstanceOf(SQLException.class)
                    .hasRootCauseInstanceOf(SocketTimeoutException.class);
            assertThat(System.nanoTime() - started).isLessThan(10_000_000_000L);
        }
    }

    @Test
    void aMigrationMayTakeLonger() throws SQLException {
        sleep(connection.migrationJdbcUrl(), 2);
    }

    private static void sleep(String url, int seconds) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", EmbeddedPostgres.USER);
        try (Connection database = DriverManager.getConnection(url, credentials);
                Statement statement = database.createStatement()) {
            statement.execute("SELECT pg_sleep(" + seconds + ")");
        }
    }
}
