package dev.spamcheck.gateway.auth;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/**
 * Reads the token a request presents: {@code Authorization: Bearer sct_...}, nothing else. A
 * request without one is anonymous and left to the authorization rules. Everything decided here
 * costs no database query: a client over its failed-authentication budget, a token in the URL
 * (URLs end up in access logs) and a header that is not exactly one well-formed bearer token are
 * refused outright.
 */
final class BearerTokenConverter implements ServerAuthenticationConverter {

    // Names that only ever carry a credential. Generic ones (key, token, auth) are left alone: a tool
    // may add ?key=crm42 to every call, and refusing it (a failed authentication counted against the
    // caller's address) would lock out everyone behind it; a token in any of them is found by its form.
    private static final Pattern SPACES = Pattern.compile(" +");
    private static final Set<String> TOKEN_PARAMETERS = Set.of("access_token", "api_key", "apikey", "authorization",
            "bearer");

    private final FailedAuthentications failures;
    private final Predicate<String> vouched;

    /** @param vouched whether a token was found valid lately, so its address's failures do not hold it back */
    BearerTokenConverter(FailedAuthentications failures, Predicate<String> vouched) {
        this.failures = failures;
        this.vouched = vouched;
    }

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        return Mono.fromCallable(() -> presented(exchange.getRequest()));
    }

    private Authentication presented(ServerHttpRequest request) {
        List<String> authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        boolean tokenInUrl = hasTokenInQuery(request.getQueryParams());
        if ((authorization == null || authorization.isEmpty()) && !tokenInUrl) {
            return null;
        }
        InetSocketAddress client = request.getRemoteAddress();
        Duration wait = failures.waitBefore(client == null ? null : client.getAddress());
        if (!wait.isZero() && !(authorization != null && authorization.size() == 1 && !tokenInUrl
                && isVouchedBearer(authorization.get(0)))) {
            throw new TooManyFailures(wait);
        }
        if (tokenInUrl) {
            throw new Refused("Tokens are accepted only in the Authorization header, never in the URL");
        }
        if (authorization.size() != 1) {
            throw new Refused("Send exactly one Authorization header");
        }
        String token = bearer(authorization.get(0));
        if (token == null) {
            throw new Refused("The Authorization header must be 'Bearer <token>'");
        }
        if (!TokenSecrets.WELL_FORMED.matcher(token).matches()) {
            throw new Refused("The token is unknown or revoked");
        }
        TokenAuthentication presented = TokenAuthentication.presented(token);
        // Where it came from, whose failure budget a database check of it holds (BearerTokens).
        presented.setDetails(client == null ? null : client.getAddress());
        return presented;
    }

    private boolean isVouchedBearer(String authorization) {
        String token = bearer(authorization);
        return token != null && TokenSecrets.WELL_FORMED.matcher(token).matches() && vouched.test(token);
    }

    /** The credentials of {@code Bearer <token>}, or null; RFC 6750 lets one or more spaces part them. */
    private static String bearer(String authorization) {
        String[] parts = SPACES.split(authorization.trim());
        return parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") ? parts[1] : null;
    }

    private static boolean hasTokenInQuery(Map<String, List<String>> query) {
        return query.entrySet().stream().anyMatch(parameter ->
                TOKEN_PARAMETERS.contains(parameter.getKey().toLowerCase(Locale.ROOT))
                        || TokenSecrets.WELL_FORMED.matcher(parameter.getKey()).find()
                        || parameter.getValue().stream().anyMatch(v -> v != null && TokenSecrets.WELL_FORMED.matcher(v).find()));
    }

    /** Credentials refused for a reason the caller may be told. */
    static final class Refused extends AuthenticationException {

        Refused(String detail) {
            super(detail);
        }
    }

    /** The client spent its failed-authentication budget. */
    static final class TooManyFailures extends AuthenticationException {

        private final transient Duration retryAfter;

        TooManyFailures(Duration retryAfter) {
            super("Too many failed authentications from this address");
            this.retryAfter = retryAfter;
        }

        Duration retryAfter() {
            return retryAfter;
        }
    }
}
