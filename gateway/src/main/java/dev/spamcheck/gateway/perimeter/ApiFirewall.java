package dev.spamcheck.gateway.perimeter;

import org.springframework.security.web.server.firewall.ServerExchangeRejectedException;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.security.web.server.firewall.StrictServerWebExchangeFirewall;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.transport.RequestTargetGuard;
import reactor.core.publisher.Mono;

/**
 * The first thing Spring Security does with a request. It resolves the client from trusted
 * proxies (so everything after it, and the audit, sees the real client), turns away what the
 * connection guard could not read, and then admits only canonical requests: Spring Security's
 * {@link StrictServerWebExchangeFirewall} (no {@code ;} parameters, {@code //}, {@code .} or
 * {@code ..} segments, backslashes, encoded {@code /} {@code \} {@code %} {@code .}, control
 * characters in the path, header names or values, query names or values), and, stricter, no
 * percent-encoding in the path at all: no route needs one, so every path admitted is the one
 * routing and the security rules see.
 */
final class ApiFirewall implements ServerWebExchangeFirewall {

    private final StrictServerWebExchangeFirewall strict = new StrictServerWebExchangeFirewall();
    private final ClientAddresses addresses;

    ApiFirewall(ClientAddresses addresses) {
        this.addresses = addresses;
        strict.setAllowedParameterNames(value -> !JsonBodies.hasControlCharacter(value));
        // A parameter without '=' ("?x") has no value: null, which is nothing to refuse here.
        strict.setAllowedParameterValues(value -> value == null || !JsonBodies.hasControlCharacter(value));
        strict.setAllowedHeaderNames(name -> isAssignedAndNotControl(name, false));
        strict.setAllowedHeaderValues(value -> isAssignedAndNotControl(value, true));
        // Routing answers a method a path does not take (405 with Allow), as the API promises; the
        // firewall's own list would make TRACE or an unknown method a 400 about canonical form.
        strict.setUnsafeAllowAnyHttpMethod(true);
    }

    /**
     * Spring Security's default header rule (assigned characters, no control characters but a tab
     * in values), without its regular expressions: the firewall checks a header each time it is
     * read, and matching them was 3% of a cache hit's event-loop time (JFR of the hit path). A
     * header that is not there (null) has nothing to refuse.
     */
    static boolean isAssignedAndNotControl(String text, boolean tabAllowed) {
        if (text == null) {
            return true;
        }
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (c < 0x20 || c >= 0x7f) {
                boolean allowed = (tabAllowed && c == '\t') || (Character.isDefined(c) && !Character.isISOControl(c));
                if (!allowed) {
                    return false;
                }
            }
            i += Character.charCount(c);
        }
        return true;
    }

    @Override
    public Mono<ServerWebExchange> getFirewalledExchange(ServerWebExchange exchange) {
        return Mono.defer(() -> {
            ServerWebExchange resolved = addresses.resolve(exchange.getRequest()).applyTo(exchange);
            ApiException unreadable = RequestTargetGuard.verdict(exchange.getRequest().getHeaders());
            if (unreadable != null) {
                return Mono.error(new Rejected(unreadable));
            }
            if (resolved.getRequest().getPath().value().indexOf('%') >= 0) {
                return Mono.error(new Rejected(new ApiException(ErrorCode.INVALID_REQUEST,
                        "The request path must not be percent-encoded")));
            }
            return strict.getFirewalledExchange(resolved);
        });
    }

    /**
     * The problem every rejected request is answered with. Spring Security's own messages quote
     * the offending header or parameter, which may hold a token or a number, so they are never
     * shown or logged.
     */
    static ApiException problem(ServerExchangeRejectedException rejected) {
        if (rejected instanceof Rejected ours) {
            return ours.problem;
        }
        return new ApiException(ErrorCode.INVALID_REQUEST, "The request is not in canonical form: the path must not hold "
                + "';' parameters, '//', '.' or '..' segments or backslashes, and no part of the request may hold "
                + "control characters");
    }

    private static final class Rejected extends ServerExchangeRejectedException {

        private final transient ApiException problem;

        Rejected(ApiException problem) {
            super(problem.getMessage());
            this.problem = problem;
        }
    }
}
