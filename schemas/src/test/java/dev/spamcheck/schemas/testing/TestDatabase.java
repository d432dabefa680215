package dev.spamcheck.schemas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL with the product's migrations applied, for a module's database tests: one
 * server per test JVM, started on first use under {@code target/test-postgres} and stopped when the
 * JVM ends. Each test class takes a {@link #fresh} database of its own, so no test sees another's
 * rows whatever order they run in.
 */
public final class TestDatabase {

    private static EmbeddedPostgres server;
    private static int databases;

    private TestDatabase() {
    }

    /** A new, migrated database on the shared server. */
    public static synchronized DataSource fresh() {
        try {
            if (server == null) {
                Path home = Path.of("target", "test-postgres").toAbsolutePath();
                server = EmbeddedPostgres.start(home, home);
                Runtime.getRuntime().addShutdownHook(new Thread(TestDatabase::stop, "test-postgres-stop"));
            }
            String name = "test_" + ProcessHandle.current().pid() + "_" + (++databases);
            try (Connection admin = dataSource(EmbeddedPostgres.DATABASE).getConnection();
                    Statement statement = admin.createStatement()) {
                statement.execute("CREATE DATABASE " + name);
            }
            DataSource database = dataSource(name);
            Flyway.configure().dataSource(database).load().migrate();
            return database;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Cannot create a test database", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * {@code database} behind a small connection pool, as the services reach PostgreSQL: each new
     * connection is a TLS handshake and a new server process, which a test making hundreds of
     * queries pays for in seconds. Tests of what a connection's end releases (session locks) keep
     * the plain one.
     */
    public static DataSource pooled(DataSource database) {
        HikariConfig pool = new HikariConfig();
        pool.setDataSource(database);
        pool.setMaximumPoolSize(8);
        pool.setMinimumIdle(1);
        return new HikariDataSource(pool);
    }

    private static DataSource dataSource(String database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(server.jdbcUrl().replace("/" + EmbeddedPostgres.DATABASE + "?", "/" + database + "?"));
        dataSource.setUser(EmbeddedPostgres.USER);
        return dataSource;
    }

    private static void stop() {
        try {
            server.close();
        }
        catch (IOException | InterruptedException ex) {
            // The JVM is ending; a server left running is stopped by the next start (stopLeftover).
        }
    }
}
