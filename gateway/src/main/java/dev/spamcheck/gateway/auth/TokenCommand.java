package dev.spamcheck.gateway.auth;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import org.flywaydb.core.Flyway;

import dev.spamcheck.schemas.db.DatabaseConnection;

/**
 * {@code java -jar gateway.jar tokens ...}: token management without a running gateway, for the
 * first admin token. Connects with {@code SPAMCHECK_DB_URL}, {@code SPAMCHECK_DB_USER} and
 * {@code SPAMCHECK_DB_PASSWORD}, applying the migrations first.
 *
 * <pre>
 * tokens create --name NAME --role lookup|admin   prints the new token, once
 * tokens revoke ID
 * tokens list
 * </pre>
 */
public final class TokenCommand {

    private TokenCommand() {
    }

    public static int run(String[] args, Map<String, String> env) {
        if (args.length < 2) {
            return usage();
        }
        String url = DatabaseConnection.from(env::get).sessionJdbcUrl();
        String user = env.getOrDefault("SPAMCHECK_DB_USER", "spamcheck");
        String password = env.getOrDefault("SPAMCHECK_DB_PASSWORD", "");
        Flyway.configure().dataSource(url, user, password).load().migrate();
        try (Connection db = DriverManager.getConnection(url, user, password)) {
            switch (args[1]) {
                case "create" -> {
                    String name = option(args, "--name");
                    String role = option(args, "--role");
                    if (name == null || role == null) {
                        return usage();
                    }
                    String token = TokenSecrets.newToken();
                    String id = create(db, name, Role.of(role), token);
                    System.out.println("Created " + role + " token " + id + " (" + name + "). It is shown only this once:");
                    System.out.println(token);
                }
                case "revoke" -> {
                    if (args.length < 3) {
                        return usage();
                    }
                    try (PreparedStatement revoke = db.prepareStatement(
                            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = ?")) {
                        revoke.setString(1, args[2]);
                        if (revoke.executeUpdate() == 0) {
                            System.err.println("No token " + args[2]);
                            return 1;
                        }
                    }
                    System.out.println("Revoked " + args[2]);
                }
                case "list" -> {
                    try (ResultSet rows = db.createStatement().executeQuery(
                            "SELECT id, role, name, created_at, revoked_at FROM api_tokens ORDER BY created_at")) {
                        while (rows.next()) {
                            System.out.printf("%s  %-6s  %-30s  created %s%s%n", rows.getString(1), rows.getString(2),
                                    rows.getString(3), rows.getObject(4),
                                    rows.getObject(5) == null ? "" : "  revoked " + rows.getObject(5));
                        }
                    }
                }
                default -> {
                    return usage();
                }
            }
            return 0;
        }
        catch (SQLException | IllegalArgumentException ex) {
            System.err.println("tokens: " + ex.getMessage());
            return 1;
        }
    }

    /**
     * Stores a token with a known secret and returns its id; an existing token with the same
     * secret is kept. Used by the command and by devstack.
     */
    public static String create(Connection db, String name, Role role, String token) throws SQLException {
        TokenSecrets.requireWellFormed(token);
        try (PreparedStatement insert = db.prepareStatement("""
                INSERT INTO api_tokens (id, token_hash, name, role) VALUES (?, ?, ?, ?)
                ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL
                RETURNING id""")) {
            insert.setString(1, TokenSecrets.newId());
            insert.setBytes(2, TokenSecrets.sha256(token));
            insert.setString(3, name);
            insert.setString(4, role.value());
            try (ResultSet id = insert.executeQuery()) {
                id.next();
                return id.getString(1);
            }
        }
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
