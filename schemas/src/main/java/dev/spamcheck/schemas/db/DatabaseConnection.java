package dev.spamcheck.schemas.db;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.spamcheck.schemas.config.InvalidConfigurationException;

/**
 * How every service reaches PostgreSQL, from the {@code SPAMCHECK_DB_*} settings (docs/configuration.md
 * and docs/deploying.md, "Supabase"). It is the one place that turns them into driver URLs, because
 * the JDBC and R2DBC drivers name the same options differently ({@code sslmode} and
 * {@code sslMode}, {@code prepareThreshold} and {@code preparedStatementCacheQueries}).
 *
 * @param url where the services run their queries: a direct connection or a transaction pooler
 * @param sessionUrl a connection that keeps its session (direct, or a pooler in session mode), for
 *        Flyway and the archiver's nightly lock; {@code url} unless set
 * @param sslMode libpq's names: disable, prefer, require, verify-ca, verify-full
 * @param sslRootCert the CA certificate (PEM file) that verify-ca and verify-full check against
 * @param transactionPooler {@code url} is a transaction pooler (Supavisor port 6543, PgBouncer in
 *        transaction mode), where a prepared statement outlives its server connection: none is kept
 */
public record DatabaseConnection(String url, String sessionUrl, String sslMode, String sslRootCert,
        boolean transactionPooler) {

    static final String DEFAULT_URL = "postgresql://localhost:5432/spamcheck";
    private static final Pattern TLS_OPTION = Pattern.compile("[?&]ssl[^&=]*=", Pattern.CASE_INSENSITIVE);
    private static final Set<String> SSL_MODES = Set.of("disable", "prefer", "require", "verify-ca", "verify-full");

    public DatabaseConnection {
        require(url, "SPAMCHECK_DB_URL");
        require(sessionUrl, "SPAMCHECK_DB_SESSION_URL");
        if (!SSL_MODES.contains(sslMode)) {
            throw new InvalidConfigurationException("SPAMCHECK_DB_SSL_MODE must be one of " + SSL_MODES);
        }
        if (sslMode.startsWith("verify-") && (sslRootCert == null || sslRootCert.isBlank())) {
            throw new InvalidConfigurationException(
                    "SPAMCHECK_DB_SSL_MODE=" + sslMode + " needs SPAMCHECK_DB_SSL_ROOT_CERT, the CA certificate to verify against");
        }
    }

    /** Reads the settings by their environment variable names; unset ones take their defaults. */
    public static DatabaseConnection from(UnaryOperator<String> settings) {
        String url = orDefault(settings.apply("SPAMCHECK_DB_URL"), DEFAULT_URL);
        return new DatabaseConnection(url, orDefault(settings.apply("SPAMCHECK_DB_SESSION_URL"), url),
                orDefault(settings.apply("SPAMCHECK_DB_SSL_MODE"), "prefer").toLowerCase(Locale.ROOT),
                settings.apply("SPAMCHECK_DB_SSL_ROOT_CERT"),
                Boolean.parseBoolean(orDefault(settings.apply("SPAMCHECK_DB_TRANSACTION_POOLER"), "false")));
    }

    /** pgjdbc's URL for the queries. */
    public String jdbcUrl() {
        Map<String, String> options = jdbcTls();
        if (transactionPooler) {
            options.put("prepareThreshold", "0");
        }
        return "jdbc:" + withOptions(url, options);
    }

    /** pgjdbc's URL for migrations and session locks. */
    public String sessionJdbcUrl() {
        return "jdbc:" + withOptions(sessionUrl, jdbcTls());
    }

    /** r2dbc-postgresql's URL for the queries. */
    public String r2dbcUrl() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("sslMode", sslMode);
        if (sslRootCert != null && !sslRootCert.isBlank()) {
            options.put("sslRootCert", sslRootCert);
        }
        if (transactionPooler) {
            options.put("preparedStatementCacheQueries", "0");
        }
        return "r2dbc:" + withOptions(url, options);
    }

    private Map<String, String> jdbcTls() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("sslmode", sslMode);
        if (sslRootCert != null && !sslRootCert.isBlank()) {
            options.put("sslrootcert", sslRootCert);
        }
        return options;
    }

    private static String withOptions(String url, Map<String, String> options) {
        String query = options.entrySet().stream()
                .map(option -> option.getKey() + "=" + URLEncoder.encode(option.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return query.isEmpty() ? url : url + (url.contains("?") ? "&" : "?") + query;
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigurationException(name + " must not be empty");
        }
        if (value.startsWith("jdbc:") || value.startsWith("r2dbc:")) {
            throw new InvalidConfigurationException(name + " takes no scheme prefix: postgresql://host:port/database");
        }
        // The drivers would read the TLS settings appended after it instead (the last value wins,
        // and r2dbc spells them differently): a URL's sslmode=verify-full would end up "prefer".
        if (TLS_OPTION.matcher(value).find()) {
            throw new InvalidConfigurationException(name + " must not set TLS options (sslmode, sslrootcert, ...): "
                    + "use SPAMCHECK_DB_SSL_MODE and SPAMCHECK_DB_SSL_ROOT_CERT");
        }
    }
}
