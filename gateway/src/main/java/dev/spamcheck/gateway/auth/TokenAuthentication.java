package dev.spamcheck.gateway.auth;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A bearer token as Spring Security sees it: first the secret a caller presented, then, once
 * verified, the stored token with its role as the authority {@code ROLE_LOOKUP} or
 * {@code ROLE_ADMIN}. The secret is never printed.
 */
public final class TokenAuthentication extends AbstractAuthenticationToken {

    private final ApiToken token;
    private String secret;

    private TokenAuthentication(String secret) {
        super(List.of());
        this.token = null;
        this.secret = secret;
    }

    private TokenAuthentication(ApiToken token) {
        super(List.of(new SimpleGrantedAuthority("ROLE_" + token.role().name())));
        this.token = token;
        setAuthenticated(true);
    }

    static TokenAuthentication presented(String secret) {
        return new TokenAuthentication(secret);
    }

    static TokenAuthentication verified(ApiToken token) {
        return new TokenAuthentication(token);
    }

    /** The verified token; null before verification. */
    @Override
    public ApiToken getPrincipal() {
        return token;
    }

    @Override
    public String getCredentials() {
        return secret;
    }

    @Override
    public void eraseCredentials() {
        secret = null;
    }

    @Override
    public String toString() {
        return token == null ? "TokenAuthentication[unverified]" : "TokenAuthentication[" + token.id() + "]";
    }
}
