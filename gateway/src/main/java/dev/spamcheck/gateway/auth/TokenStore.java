package dev.spamcheck.gateway.auth;

import java.time.OffsetDateTime;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code api_tokens}: tokens by the SHA-256 of their secret. */
@Repository
class TokenStore {

    private static final String COLUMNS = "id, name, role, created_at, revoked_at";

    private final DatabaseClient db;

    TokenStore(DatabaseClient db) {
        this.db = db;
    }

    /** The active token whose secret has this SHA-256, if any. */
    Mono<ApiToken> findActive(byte[] hash) {
        return db.sql("SELECT " + COLUMNS + ", token_hash FROM api_tokens WHERE token_hash = :hash AND revoked_at IS NULL")
                .bind("hash", hash)
                .map(row -> TokenSecrets.sameHash(hash, row.get("token_hash", byte[].class)) ? token(row) : null)
                .one();
    }

    Mono<ApiToken> create(String name, Role role, String token) {
        return db.sql("INSERT INTO api_tokens (id, token_hash, name, role) VALUES (:id, :hash, :name, :role) RETURNING "
                + COLUMNS)
                .bind("id", TokenSecrets.newId())
                .bind("hash", TokenSecrets.sha256(token))
                .bind("name", name)
                .bind("role", role.value())
                .map(TokenStore::token)
                .one();
    }

    /**
     * Stores a token whose secret was chosen elsewhere; a token with the same secret is let in
     * again, with the name and role asked for now, rather than stored twice.
     */
    Mono<ApiToken> store(String name, Role role, String token) {
        return db.sql("""
                INSERT INTO api_tokens (id, token_hash, name, role) VALUES (:id, :hash, :name, :role)
                ON CONFLICT (token_hash) DO UPDATE SET revoked_at = NULL, name = EXCLUDED.name, role = EXCLUDED.role
                RETURNING\s""" + COLUMNS)
                .bind("id", TokenSecrets.newId())
                .bind("hash", TokenSecrets.sha256(token))
                .bind("name", name)
                .bind("role", role.value())
                .map(TokenStore::token)
                .one();
    }

    /** Revokes every active token of this name. */
    Mono<Long> revokeNamed(String name) {
        return db.sql("UPDATE api_tokens SET revoked_at = now() WHERE name = :name AND revoked_at IS NULL")
                .bind("name", name)
                .fetch()
                .rowsUpdated();
    }

    Flux<ApiToken> all() {
        return db.sql("SELECT " + COLUMNS + " FROM api_tokens ORDER BY created_at, id").map(TokenStore::token).all();
    }

    /** Revokes the token; empty when there is no such token. Revoking twice keeps the first time. */
    Mono<ApiToken> revoke(String id) {
        return db.sql("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = :id RETURNING "
                + COLUMNS)
                .bind("id", id)
                .map(TokenStore::token)
                .one();
    }

    private static ApiToken token(Readable row) {
        OffsetDateTime revoked = row.get("revoked_at", OffsetDateTime.class);
        return new ApiToken(row.get("id", String.class), row.get("name", String.class),
                Role.of(row.get("role", String.class)), row.get("created_at", OffsetDateTime.class).toInstant(),
                revoked == null ? null : revoked.toInstant());
    }
}
