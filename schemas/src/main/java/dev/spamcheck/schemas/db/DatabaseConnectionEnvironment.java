package dev.spamcheck.schemas.db;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Publishes the driver URLs of {@link DatabaseConnection} as {@code spamcheck.db.jdbc-url},
 * {@code spamcheck.db.session-jdbc-url}, {@code spamcheck.db.migration-jdbc-url} and
 * {@code spamcheck.db.r2dbc-url}, which each service's YAML hands to its DataSource, Flyway or R2DBC pool.
 */
class DatabaseConnectionEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        DatabaseConnection connection = DatabaseConnection.from(environment::getProperty);
        environment.getPropertySources().addLast(new MapPropertySource("spamcheckDatabaseConnection", Map.of(
                "spamcheck.db.jdbc-url", connection.jdbcUrl(),
                "spamcheck.db.session-jdbc-url", connection.sessionJdbcUrl(),
                "spamcheck.db.migration-jdbc-url", connection.migrationJdbcUrl(),
                "spamcheck.db.r2dbc-url", connection.r2dbcUrl())));
    }
}
