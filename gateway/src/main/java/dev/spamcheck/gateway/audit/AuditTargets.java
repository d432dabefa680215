package dev.spamcheck.gateway.audit;

import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;

/**
 * What a request that changes something acted on, for its audit row: the id in its route
 * ({@code DELETE /api/v1/admin/tokens/{id}}), or, for what it created, the id its answer's
 * {@code Location} ends with (a webhook, a token, a nightly job's date). Only our own ids are
 * recorded: the path is the caller's text, and a number put there must not reach the audit trail.
 */
final class AuditTargets {

    private static final Pattern OWN_ID = Pattern.compile("tok_[0-9a-f]{1,32}|whk_[0-9a-f]{1,32}|\\d{4}-\\d{2}-\\d{2}");

    private AuditTargets() {
    }

    static String of(ServerWebExchange exchange, int status) {
        HttpMethod method = exchange.getRequest().getMethod();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            return null;
        }
        Map<String, String> variables = exchange.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String id = variables == null ? null : variables.get("id");
        if (id == null && (status == 201 || status == 202)) {
            URI location = exchange.getResponse().getHeaders().getLocation();
            String path = location == null ? null : location.getPath();
            id = path == null ? null : path.substring(path.lastIndexOf('/') + 1);
        }
        return id != null && OWN_ID.matcher(id).matches() ? id : null;
    }
}
