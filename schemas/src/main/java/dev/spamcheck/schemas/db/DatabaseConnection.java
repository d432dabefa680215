package dev.spamcheck.schemas.db;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.boot.convert.DurationStyle;

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
 * @param sslRootCert the CA certificate (PEM file) that verify-ca and verify-full check against; refused with
 *        another mode, under which the Java drivers would not check it
 * @param transactionPooler {@code url} is a transaction pooler (Supavisor port 6543, PgBouncer in
 *        transaction mode), where a prepared statement outlives its server connection: none is kept
 * @param socketTimeout how long a JDBC query may wait for PostgreSQL's next word before its connection
 *        is given up: without it a connection dropped silently on the way (a failover, a NAT or
 *        firewall forgetting it) leaves its thread waiting for ever, the archiver's audit writer
 *        among them. Migrations have none: an index build may rightly take longer.
 */
public record DatabaseConnection(String url, String sessionUrl, String sslMode, String sslRootCert,
        boolean transactionPooler, Duration socketTimeout) {

    static final String DEFAULT_URL = "postgresql://localhost:5432/spamcheck";
    /**
     * Under Kafka's five minutes between polls, so a consumer whose query hung is not also put out of
     * its group, and far above any one statement the services run (the archiver's largest are its
     * batches of a few thousand rows).
     */
    static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern TLS_OPTION = Pattern.compile("[?&]ssl[^&=]*=", Pattern.CASE_INSENSITIVE);
    private static final Pattern SOCKET_OPTION = Pattern.compile("[?&](socketTimeout|tcpKeepAlive)=",
            Pattern.CASE_INSENSITIVE);
    /** pgjdbc turns the seconds into milliseconds in an int: more would fail every connection. */
    private static final Duration MAX_SOCKET_TIMEOUT = Duration.ofDays(1);
    private static final Set<String> SSL_MODES = Set.of("disable", "prefer", "require", "verify-ca", "verify-full");

    public DatabaseConnection {
        require(url, "SPAMCHECK_DB_URL");
        require(sessionUrl, "SPAMCHECK_DB_SESSION_URL");
        if (!SSL_MODES.contains(sslMode)) {
            throw new InvalidConfigurationException("SPAMCHECK_DB_SSL_MODE must be one of " + SSL_MODES);
        }
        boolean rootCert = sslRootCert != null && !sslRootCert.isBlank();
        if (sslMode.startsWith("verify-") && !rootCert) {
            throw new InvalidConfigurationException(
                    "SPAMCHECK_DB_SSL_MODE=" + sslMode + " needs SPAMCHECK_DB_SSL_ROOT_CERT, the CA certificate to verify against");
        }
        // libpq verifies the server with a root certificate under require too; the Java drivers do
        // not, so an operator who gave one would believe the server checked when it is not.
        if (!sslMode.startsWith("verify-") && rootCert) {
            throw new InvalidConfigurationException("SPAMCHECK_DB_SSL_ROOT_CERT is used only with SPAMCHECK_DB_SSL_MODE="
                    + "verify-full (or verify-ca), not " + sslMode + ": set one of those to check the server");
        }
        // pgjdbc counts it in whole seconds, and 0 would be no limit at all.
        if (socketTimeout.compareTo(Duration.ofSeconds(1)) < 0 || socketTimeout.compareTo(MAX_SOCKET_TIMEOUT) > 0) {
            throw new InvalidConfigurationException("SPAMCHECK_DB_SOCKET_TIMEOUT must be between 1s and 1d");
        }
    }

    /** Reads the settings by their environment variable names; unset ones take their defaults. */
    public static DatabaseConnection from(UnaryOperator<String> settings) {
        String url = orDefault(settings.apply("SPAMCHECK_DB_URL"), DEFAULT_URL);
        String sessionUrl = orDefault(settings.apply("SPAMCHECK_DB_SESSION_URL"), null);
        boolean transactionPooler = transactionPooler(orDefault(settings.apply("SPAMCHECK_DB_TRANSACTION_POOLER"), "false"));
        if (transactionPooler && sessionUrl == null) {
            // Its default, the pooler itself, would take Flyway's and the nightly job's session locks
            // on a server connection that serves another client after the transaction.
            throw new InvalidConfigurationException("SPAMCHECK_DB_TRANSACTION_POOLER=true needs SPAMCHECK_DB_SESSION_URL: "
                    + "a connection that keeps its session (the session pooler or the direct connection)");
        }
        return new DatabaseConnection(url, sessionUrl == null ? url : sessionUrl,
                orDefault(settings.apply("SPAMCHECK_DB_SSL_MODE"), "prefer").toLowerCase(Locale.ROOT),
                settings.apply("SPAMCHECK_DB_SSL_ROOT_CERT"), transactionPooler,
                socketTimeout(settings.apply("SPAMCHECK_DB_SOCKET_TIMEOUT")));
    }

    /**
     * Strictly true or false: {@code yes} or {@code 1} read as false would keep statements prepared
     * on the server behind a transaction pooler, failing now and then under load.
     */
    private static boolean transactionPooler(String setting) {
        return switch (setting.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidConfigurationException("SPAMCHECK_DB_TRANSACTION_POOLER must be true or false");
        };
    }

    private static Duration socketTimeout(String setting) {
        if (setting == null || setting.isBlank()) {
            return DEFAULT_SOCKET_TIMEOUT;
        }
        try {
            // A bare number is seconds, as pgjdbc counts it: read as Spring's milliseconds, 120 would be refused.
            return DurationStyle.detectAndParse(setting.strip(), ChronoUnit.SECONDS);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidConfigurationException("SPAMCHECK_DB_SOCKET_TIMEOUT is not a duration (120s, 2m): " + setting);
        }
    }

    /** pgjdbc's URL for the queries. */
    public String jdbcUrl() {
        Map<String, String> options = jdbcQueryOptions();
        if (transactionPooler) {
            options.put("prepareThreshold", "0");
        }
        return "jdbc:" + withOptions(url, options);
    }

    /** pgjdbc's URL for the queries that need their session: the archiver's (its nightly job's lock). */
    public String sessionJdbcUrl() {
        return "jdbc:" + withOptions(sessionUrl, jdbcQueryOptions());
    }

    /** pgjdbc's URL for Flyway's migrations: a session, and no socket timeout. */
    public String migrationJdbcUrl() {
        Map<String, String> options = jdbcTls();
        options.put("tcpKeepAlive", "true");
        return "jdbc:" + withOptions(sessionUrl, options);
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

    private Map<String, String> jdbcQueryOptions() {
        Map<String, String> options = jdbcTls();
        options.put("tcpKeepAlive", "true");
        options.put("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        return options;
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
        // Likewise: a URL's own would win over the setting's, and reach the migrations too.
        if (SOCKET_OPTION.matcher(value).find()) {
            throw new InvalidConfigurationException(name + " must not set socketTimeout or tcpKeepAlive: "
                    + "use SPAMCHECK_DB_SOCKET_TIMEOUT");
        }
    }
}
