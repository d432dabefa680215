package dev.spamcheck.gateway.perimeter;

import java.util.List;
import java.util.stream.Stream;

import org.springframework.http.server.PathContainer;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ReactiveAuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import reactor.core.publisher.Mono;

/**
 * Who may do what on the API, deny by default, in this order: nothing from outside the perimeter
 * (the allow-list, HTTPS); CORS preflights from inside; the lookup routes for the lookup and admin
 * roles; every other route, present or future, for the admin role only. Routes are matched as
 * Spring Security's path matchers match them, on the path routing uses.
 * <p>
 * One manager in its own {@code AuthorizationWebFilter}, not the DSL's: its matcher per rule wraps
 * each in an {@code OrServerWebExchangeMatcher}, and even its {@code anyExchange()} puts the manager
 * in a {@code DelegatingReactiveAuthorizationManager}; both format debug messages on every request
 * whether or not debug is on (commons-logging's SLF4J adapter formats before SLF4J checks the level,
 * spring-framework#37266) and build a chain of Reactor operators per request. The roles are checked
 * by Spring Security's {@link AuthorityAuthorizationManager} on the authentication once it is
 * known, rather than by its reactive twin's eight operators.
 */
final class ApiRules implements ReactiveAuthorizationManager<ServerWebExchange> {

    private static final List<PathPattern> LOOKUP_ROUTES = Stream.of("/api/v1/spam_score", "/api/v1/openapi.yaml")
            .map(route -> PathPatternParser.defaultInstance.parse(PathPatternParser.defaultInstance.initFullPathPattern(route)))
            .toList();
    private static final Mono<AuthorizationResult> GRANTED = Mono.just(new AuthorizationDecision(true));
    private static final AuthorizationResult REFUSED = new AuthorizationDecision(false);
    private static final Mono<AuthorizationResult> DENIED = Mono.just(REFUSED);

    private final Perimeter perimeter;
    private final AuthorizationManager<ServerWebExchange> lookup = AuthorityAuthorizationManager.hasAnyRole("LOOKUP", "ADMIN");
    private final AuthorizationManager<ServerWebExchange> admin = AuthorityAuthorizationManager.hasRole("ADMIN");

    ApiRules(Perimeter perimeter) {
        this.perimeter = perimeter;
    }

    @Override
    public Mono<AuthorizationResult> authorize(Mono<Authentication> authentication, ServerWebExchange exchange) {
        if (!perimeter.admits(exchange)) {
            return DENIED;
        }
        if (CorsUtils.isPreFlightRequest(exchange.getRequest())) {
            return GRANTED;
        }
        AuthorizationManager<ServerWebExchange> rule = isLookupRoute(exchange) ? lookup : admin;
        return authentication.map(caller -> caller.isAuthenticated() ? rule.authorize(() -> caller, exchange) : REFUSED)
                .defaultIfEmpty(REFUSED);
    }

    private static boolean isLookupRoute(ServerWebExchange exchange) {
        PathContainer path = exchange.getRequest().getPath().pathWithinApplication();
        for (PathPattern route : LOOKUP_ROUTES) {
            if (route.matches(path)) {
                return true;
            }
        }
        return false;
    }
}
