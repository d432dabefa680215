package dev.spamcheck.gateway.perimeter;

import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.ServerAccessDeniedHandler;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;

/**
 * How a request the rules turn away is answered: {@code forbidden} when the perimeter refuses it
 * (whatever its token), {@code unauthorized} when it lacks a token, {@code forbidden} when its
 * token lacks the role. Answered as errors, so the audit filter writes the problem and records
 * it like any other.
 */
final class Denials implements ServerAuthenticationEntryPoint, ServerAccessDeniedHandler {

    private final Perimeter perimeter;

    Denials(Perimeter perimeter) {
        this.perimeter = perimeter;
    }

    @Override
    public Mono<Void> commence(ServerWebExchange exchange, AuthenticationException ex) {
        return Mono.error(perimeter.rejection(exchange)
                .orElseGet(() -> new ApiException(ErrorCode.UNAUTHORIZED, "A bearer token is required")));
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, AccessDeniedException denied) {
        return Mono.error(perimeter.rejection(exchange)
                .orElseGet(() -> new ApiException(ErrorCode.FORBIDDEN, "This endpoint needs the admin role")));
    }
}
