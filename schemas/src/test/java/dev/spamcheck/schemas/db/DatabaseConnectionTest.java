package dev.spamcheck.schemas.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

class DatabaseConnectionTest {

    private static DatabaseConnection from(Map<String, String> settings) {
        return DatabaseConnection.from(settings::get);
    }

    @Test
    void byDefaultBothDriversPreferTlsOnTheLocalDatabase() {
        DatabaseConnection connection = from(Map.of());

        assertThat(connection.jdbcUrl()).isEqualTo(
                "jdbc:postgresql://localhost:5432/spamcheck?sslmode=prefer&tcpKeepAlive=true&socketTimeout=120");
        assertThat(connection.sessionJdbcUrl()).isEqualTo(connection.jdbcUrl());
        assertThat(connection.migrationJdbcUrl())
                .isEqualTo("jdbc:postgresql://localhost:5432/spamcheck?sslmode=prefer&tcpKeepAlive=true");
        assertThat(connection.r2dbcUrl()).isEqualTo("r2dbc:postgresql://localhost:5432/spamcheck?sslMode=prefer");
    }

    @Test
    void verifiedTlsNamesTheCaInEachDriversOwnWords() {
        DatabaseConnection connection = from(Map.of("SPAMCHECK_DB_URL", "postgresql://db.abc.supabase.co:5432/postgres",
                "SPAMCHECK_DB_SSL_MODE", "VERIFY-FULL", "SPAMCHECK_DB_SSL_ROOT_CERT", "/etc/spamcheck/supabase ca.crt"));

        assertThat(connection.jdbcUrl()).isEqualTo("jdbc:postgresql://db.abc.supabase.co:5432/postgres"
                + "?sslmode=verify-full&sslrootcert=%2Fetc%2Fspamcheck%2Fsupabase+ca.crt&tcpKeepAlive=true&socketTimeout=120");
        assertThat(connection.r2dbcUrl()).isEqualTo("r2dbc:postgresql://db.abc.supabase.co:5432/postgres"
                + "?sslMode=verify-full&sslRootCert=%2Fetc%2Fspamcheck%2Fsupabase+ca.crt");
    }

    @Test
    void behindATransactionPoolerNoStatementIsPreparedButMigrationsUseTheSessionConnection() {
        DatabaseConnection connection = from(Map.of(
                "SPAMCHECK_DB_URL", "postgresql://aws-0-us-east-1.pooler.supabase.com:6543/postgres",
                "SPAMCHECK_DB_SESSION_URL", "postgresql://aws-0-us-east-1.pooler.supabase.com:5432/postgres",
                "SPAMCHECK_DB_TRANSACTION_POOLER", "true", "SPAMCHECK_DB_SSL_MODE", "require"));

        assertThat(connection.jdbcUrl()).isEqualTo("jdbc:postgresql://aws-0-us-east-1.pooler.supabase.com:6543/postgres"
                + "?sslmode=require&tcpKeepAlive=true&socketTimeout=120&prepareThreshold=0");
        assertThat(connection.r2dbcUrl()).isEqualTo("r2dbc:postgresql://aws-0-us-east-1.pooler.supabase.com:6543/postgres"
                + "?sslMode=require&preparedStatementCacheQueries=0");
        assertThat(connection.sessionJdbcUrl()).isEqualTo("jdbc:postgresql://aws-0-us-east-1.pooler.supabase.com:5432/postgres"
                + "?sslmode=require&tcpKeepAlive=true&socketTimeout=120");
        assertThat(connection.migrationJdbcUrl()).isEqualTo(
                "jdbc:postgresql://aws-0-us-east-1.pooler.supabase.com:5432/postgres?sslmode=require&tcpKeepAlive=true");
    }

    @Test
    void optionsAlreadyInTheUrlAreKept() {
        assertThat(from(Map.of("SPAMCHECK_DB_URL", "postgresql://h/db?connectTimeout=5")).jdbcUrl())
                .isEqualTo("jdbc:postgresql://h/db?connectTimeout=5&sslmode=prefer&tcpKeepAlive=true&socketTimeout=120");
    }

    @Test
    void theSocketTimeoutIsADurationAndABareNumberCountsSeconds() {
        assertThat(from(Map.of("SPAMCHECK_DB_SOCKET_TIMEOUT", "5m")).jdbcUrl()).endsWith("&socketTimeout=300");
        assertThat(from(Map.of("SPAMCHECK_DB_SOCKET_TIMEOUT", "45")).sessionJdbcUrl()).endsWith("&socketTimeout=45");
        assertThat(from(Map.of("SPAMCHECK_DB_SOCKET_TIMEOUT", "1d")).jdbcUrl()).endsWith("&socketTimeout=86400");
        for (String refused : new String[] {"500ms", "0", "-5s", "two minutes", "30d"}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_SOCKET_TIMEOUT", refused)))
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_DB_SOCKET_TIMEOUT");
        }
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_SSL_MODE", "verify-full")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_DB_SSL_ROOT_CERT");
        assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_SSL_MODE", "on")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_DB_SSL_MODE");
        // libpq would verify the server with a root certificate under require; the Java drivers do not.
        for (String mode : new String[] {"require", "prefer"}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_SSL_MODE", mode, "SPAMCHECK_DB_SSL_ROOT_CERT", "/ca.pem")))
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("verify-full");
        }
        // Flyway's and the nightly job's session locks would go through the transaction pooler.
        for (String session : new String[] {"", " "}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_TRANSACTION_POOLER", "true",
                    "SPAMCHECK_DB_SESSION_URL", session)))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessageStartingWith("SPAMCHECK_DB_TRANSACTION_POOLER=true needs SPAMCHECK_DB_SESSION_URL");
        }
        assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_TRANSACTION_POOLER", "TRUE")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_DB_SESSION_URL");
        // Read as false, it would keep statements prepared behind the pooler.
        for (String value : new String[] {"yes", "1", "on"}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_TRANSACTION_POOLER", value)))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("SPAMCHECK_DB_TRANSACTION_POOLER must be true or false");
        }
        // The settings appended after it would win: verify-full would silently become prefer.
        for (String url : new String[] {"postgresql://h/db?sslmode=verify-full", "postgresql://h/db?a=1&sslMode=require",
                "postgresql://h/db?SSLROOTCERT=/ca.pem"}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_URL", url)))
                    .isInstanceOf(InvalidConfigurationException.class)
                    .hasMessage("SPAMCHECK_DB_URL must not set TLS options (sslmode, sslrootcert, ...): "
                            + "use SPAMCHECK_DB_SSL_MODE and SPAMCHECK_DB_SSL_ROOT_CERT");
        }
        for (String url : new String[] {"postgresql://h/db?socketTimeout=600", "postgresql://h/db?a=1&TCPKEEPALIVE=false"}) {
            assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_SESSION_URL", url)))
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("SPAMCHECK_DB_SOCKET_TIMEOUT");
        }
        assertThatThrownBy(() -> from(Map.of("SPAMCHECK_DB_URL", "jdbc:postgresql://h/db")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("no scheme prefix");
    }
}
