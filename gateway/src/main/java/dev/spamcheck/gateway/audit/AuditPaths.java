package dev.spamcheck.gateway.audit;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.AbstractUrlHandlerMapping;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.pattern.PathPattern;

/**
 * The path an exchange is recorded (and its problems answered) under, which can never hold a
 * phone number or a token whatever the caller put in the URL: the route's pattern when a route
 * answered ({@code /api/v1/admin/tokens/{id}}); otherwise the path with every segment that is
 * not a literal of some route replaced by {@code *}, and without parameters or query
 * ({@code /api/v1/spam_score/+12125550198} becomes {@code /api/v1/spam_score/*}).
 */
@Component
public class AuditPaths {

    static final int MAX_LENGTH = 256;

    private final RequestMappingHandlerMapping routes;
    /** Routes mapped to a handler by their path, such as the spam score's. */
    private final List<AbstractUrlHandlerMapping> pathRoutes;
    private volatile Set<String> literals;

    AuditPaths(@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping routes,
            List<AbstractUrlHandlerMapping> pathRoutes) {
        this.routes = routes;
        this.pathRoutes = pathRoutes;
    }

    public String of(ServerWebExchange exchange) {
        PathPattern route = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
        if (route != null) {
            return route.getPatternString();
        }
        return reduce(exchange.getRequest().getPath().value(), literals());
    }

    static String reduce(String rawPath, Set<String> literals) {
        StringJoiner path = new StringJoiner("/", "/", "");
        String[] segments = rawPath.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            int parameters = segment.indexOf(';');
            String name = parameters < 0 ? segment : segment.substring(0, parameters);
            path.add(name.isEmpty() || literals.contains(name) ? name : "*");
        }
        String reduced = path.toString();
        return reduced.length() <= MAX_LENGTH ? reduced : reduced.substring(0, MAX_LENGTH);
    }

    private Set<String> literals() {
        Set<String> known = literals;
        if (known == null) {
            known = Stream.concat(
                    routes.getHandlerMethods().keySet().stream().flatMap(route -> route.getPatternsCondition().getPatterns().stream()),
                    pathRoutes.stream().flatMap(mapping -> mapping.getHandlerMap().keySet().stream()))
                    .flatMap(pattern -> Arrays.stream(pattern.getPatternString().split("/")))
                    .filter(segment -> !segment.isEmpty() && !segment.contains("{") && !segment.contains("*"))
                    .collect(Collectors.toUnmodifiableSet());
            literals = known;
        }
        return known;
    }
}
