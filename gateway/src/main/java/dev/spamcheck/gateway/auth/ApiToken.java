package dev.spamcheck.gateway.auth;

import java.time.Instant;

/** A token as stored: never the token itself, only its id, name, role and lifetime. */
public record ApiToken(String id, String name, Role role, Instant createdAt, Instant revokedAt) {
}
