package dev.spamcheck.gateway.auth;

import java.time.Duration;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.springframework.r2dbc.core.DatabaseClient;

import dev.spamcheck.schemas.db.DatabaseConnection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;

/**
 * {@code java -jar gateway.jar tokens ...}: token management without a running gateway, for the
 * first admin token. Connects with {@code SPAMCHECK_DB_*} as the gateway does, through
 * {@link TokenStore}, applying the migrations first.
 *
 * <pre>
 * tokens create --name NAME --role lookup|admin   prints the new token, once
 * tokens revoke ID
 * tokens list
 * </pre>
 */
public final class TokenCommand {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TokenCommand() {
    }

    public static int run(String[] args, Map<String, String> env) {
        if (args.length < 2) {
            return usage();
        }
        try {
            TokenStore tokens = store(env);
            switch (args[1]) {
                case "create" -> {
                    String name = option(args, "--name");
                    String role = option(args, "--role");
                    if (name == null || role == null) {
                        return usage();
                    }
                    String token = TokenSecrets.newToken();
                    ApiToken created = tokens.create(name, Role.of(role), token).block(TIMEOUT);
                    System.out.println("Created " + role + " token " + created.id() + " (" + name
                            + "). It is shown only this once:");
                    System.out.println(token);
                }
                case "revoke" -> {
                    if (args.length < 3) {
                        return usage();
                    }
                    if (tokens.revoke(args[2]).block(TIMEOUT) == null) {
                        System.err.println("No token " + args[2]);
                        return 1;
                    }
                    System.out.println("Revoked " + args[2]);
                }
                case "list" -> tokens.all().doOnNext(token -> System.out.printf("%s  %-6s  %-30s  created %s%s%n",
                        token.id(), token.role().value(), token.name(), token.createdAt(),
                        token.revokedAt() == null ? "" : "  revoked " + token.revokedAt())).then().block(TIMEOUT);
                default -> {
                    return usage();
                }
            }
            return 0;
        }
        catch (RuntimeException ex) {
            System.err.println("tokens: " + ex.getMessage());
            return 1;
        }
    }

    /**
     * Makes {@code token} the one active token named {@code name}: earlier tokens of that name are
     * revoked, and this one is stored (or let in again). For the devstack's chosen tokens.
     *
     * @param env {@code SPAMCHECK_DB_*} settings, by their environment variable names
     * @return the token's id
     */
    public static String replace(Map<String, String> env, String name, Role role, String token) {
        TokenSecrets.requireWellFormed(token);
        TokenStore tokens = store(env);
        return tokens.revokeNamed(name).then(tokens.store(name, role, token)).map(ApiToken::id).block(TIMEOUT);
    }

    /** The token store on the configured database, its migrations applied. */
    private static TokenStore store(Map<String, String> env) {
        DatabaseConnection connection = DatabaseConnection.from(env::get);
        String user = env.getOrDefault("SPAMCHECK_DB_USER", "spamcheck");
        String password = env.getOrDefault("SPAMCHECK_DB_PASSWORD", "");
        Flyway.configure().dataSource(connection.migrationJdbcUrl(), user, password).load().migrate();
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(connection.r2dbcUrl()).mutate()
                .option(ConnectionFactoryOptions.USER, user)
                .option(ConnectionFactoryOptions.PASSWORD, password)
                .build();
        return new TokenStore(DatabaseClient.create(ConnectionFactories.get(options)));
    }

    private static String option(String[] args, String name) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }

    private static int usage() {
        System.err.println("usage: tokens create --name NAME --role lookup|admin | tokens revoke ID | tokens list");
        return 2;
    }
}
