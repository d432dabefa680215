package dev.spamcheck.gateway.auth;

import java.util.Locale;

/** What a token may do: {@code lookup} asks for spam scores; {@code admin} may also use the admin endpoints. */
public enum Role {
    LOOKUP, ADMIN;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(String value) {
        for (Role role : values()) {
            if (role.value().equals(value)) {
                return role;
            }
        }
        throw new IllegalArgumentException("role must be lookup or admin");
    }
}
