package dev.spamcheck.gateway.audit;

import java.net.URI;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;

/**
 * What a request that changed something acted on, for its audit row: the id in its route
 * ({@code DELETE /api/v1/admin/tokens/{id}}) when it succeeded, or, for what it created or
 * triggered, the id its answer's {@code Location} ends with (a webhook, a token, a nightly job's
 * date). Only ids of our own exact shapes, and only from a success: a route's id is the caller's
 * text until an answer shows it was ours, and a number put there must not reach the audit trail.
 */
final class AuditTargets {

    private static final Pattern OWN_ID = Pattern.compile("tok_[0-9a-f]{12}|whk_[0-9a-f]{16}");
    private static final Pattern JOB_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private AuditTargets() {
    }

    static String of(ServerWebExchange exchange, int status) {
        HttpMethod method = exchange.getRequest().getMethod();
        if (status < 200 || status >= 300 || method == HttpMethod.GET || method == HttpMethod.HEAD
                || method == HttpMethod.OPTIONS) {
            return null;
        }
        Map<String, String> variables = exchange.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String id = variables == null ? null : variables.get("id");
        if (id != null) {
            return OWN_ID.matcher(id).matches() ? id : null;
        }
        URI location = exchange.getResponse().getHeaders().getLocation();
        String path = location == null ? null : location.getPath();
        String created = path == null ? null : path.substring(path.lastIndexOf('/') + 1);
        return created != null && (OWN_ID.matcher(created).matches()
                || status == 202 && JOB_DATE.matcher(created).matches()) ? created : null;
    }
}
