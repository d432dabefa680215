package dev.spamcheck.gateway.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.web.server.ServerWebExchange;

/**
 * Strict reading of query parameters, as {@link JsonBodies} reads bodies: known names only, each
 * given once. Every failure is {@code invalid_request} with a detail that never quotes a value.
 */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** The parameters by name; refuses unknown names, repeated ones and ones without a value ({@code ?x}). */
    public static Map<String, String> single(ServerWebExchange exchange, Set<String> allowed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> parameter : exchange.getRequest().getQueryParams().entrySet()) {
            if (!allowed.contains(parameter.getKey())) {
                throw JsonBodies.invalid(allowed.isEmpty() ? "This endpoint takes no query parameters"
                        : "Unknown query parameter; allowed are " + allowed.stream().sorted().toList());
            }
            if (parameter.getValue().size() != 1) {
                throw JsonBodies.invalid(parameter.getKey() + " may be given only once");
            }
            String value = parameter.getValue().get(0);
            if (value == null) {
                throw JsonBodies.invalid(parameter.getKey() + " needs a value (" + parameter.getKey() + "=…)");
            }
            values.put(parameter.getKey(), value);
        }
        return values;
    }

    /** A page size: {@code defaultLimit} when absent, otherwise a whole number from 1 to {@code max}. */
    public static int limit(String value, int defaultLimit, int max) {
        if (value == null) {
            return defaultLimit;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        }
        catch (NumberFormatException ex) {
            // answered below
        }
        throw JsonBodies.invalid("limit must be a whole number between 1 and " + max);
    }
}
