package dev.spamcheck.gateway.auth;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * Every {@code /api/} request needs {@code Authorization: Bearer <token>} with an active token;
 * {@code /api/v1/admin/} needs the admin role. A token in the URL is refused outright: URLs end
 * up in access logs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 30)
class TokenAuthenticationFilter implements WebFilter {

    static final String ADMIN_PATHS = "/api/v1/admin/";
    private static final Set<String> TOKEN_PARAMETERS = Set.of("access_token", "token", "api_key", "apikey", "key",
            "auth", "authorization", "bearer");

    private final TokenStore tokens;

    TokenAuthenticationFilter(TokenStore tokens) {
        this.tokens = tokens;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (!path.startsWith("/api/")) {
            return chain.filter(exchange);
        }
        if (hasTokenInQuery(exchange.getRequest().getQueryParams())) {
            return unauthorized("Tokens are accepted only in the Authorization header, never in the URL");
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return unauthorized("A bearer token is required");
        }
        String[] parts = header.trim().split(" ");
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer") || parts[1].isEmpty()) {
            return unauthorized("The Authorization header must be 'Bearer <token>'");
        }
        return tokens.findActive(parts[1])
                .switchIfEmpty(Mono.error(() -> new ApiException(ErrorCode.UNAUTHORIZED, "The token is unknown or revoked")))
                .flatMap(token -> {
                    AuditedRequest.of(exchange).tokenId(token.id());
                    Caller.attach(exchange, token);
                    if (path.startsWith(ADMIN_PATHS) && token.role() != Role.ADMIN) {
                        return Mono.error(new ApiException(ErrorCode.FORBIDDEN, "This endpoint needs the admin role"));
                    }
                    return chain.filter(exchange);
                });
    }

    private static boolean hasTokenInQuery(Map<String, List<String>> query) {
        return query.entrySet().stream().anyMatch(parameter ->
                TOKEN_PARAMETERS.contains(parameter.getKey().toLowerCase(Locale.ROOT))
                        || parameter.getValue().stream().anyMatch(v -> v != null && v.contains(TokenSecrets.PREFIX)));
    }

    private static Mono<Void> unauthorized(String detail) {
        return Mono.error(new ApiException(ErrorCode.UNAUTHORIZED, detail));
    }
}
