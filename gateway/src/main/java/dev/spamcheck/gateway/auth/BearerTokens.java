package dev.spamcheck.gateway.auth;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.audit.AuditedRequest;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * Bearer-token authentication for the security chain: which requests present a token, how it is
 * read and verified, and how a failure is answered ({@code unauthorized}, or
 * {@code too_many_requests} for a client over its failed-authentication budget).
 */
@Component
public class BearerTokens {

    /** The exchange attribute holding the {@link ApiToken} the request authenticated with. */
    private static final String CLIENT = BearerTokens.class.getName() + ".client";

    /**
     * When to ask again when the budget is held by checks under way: they end within the time a
     * database connection and a statement may take (spamcheck.gateway.database-timeout, 5 s, each).
     */
    private static final Duration CHECKS_UNDER_WAY = Duration.ofSeconds(5);

    private final TokenAuthenticationManager manager;
    private final FailedAuthentications failures;

    @Autowired
    BearerTokens(TokenAuthenticationManager manager, GatewayProperties properties) {
        this(manager, new FailedAuthentications(properties.gateway().failedAuthentications(),
                properties.gateway().failedAuthenticationWindow()));
    }

    BearerTokens(TokenAuthenticationManager manager, FailedAuthentications failures) {
        this.manager = manager;
        this.failures = failures;
    }

    /**
     * The authentication filter. It is a plain object, not a bean, so that it runs only inside
     * the security chain.
     *
     * @param readFrom the requests whose credentials are read at all
     */
    public AuthenticationWebFilter filter(ServerWebExchangeMatcher readFrom) {
        AuthenticationWebFilter filter = new AuthenticationWebFilter(this::authenticate);
        filter.setRequiresAuthenticationMatcher(readFrom);
        filter.setServerAuthenticationConverter(new BearerTokenConverter(failures, manager::vouchedFor));
        filter.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        filter.setAuthenticationSuccessHandler(BearerTokens::succeeded);
        filter.setAuthenticationFailureHandler(this::failed);
        return filter;
    }

    /**
     * The manager's verdict. A question the database must answer (no answer for the token within
     * the last second, none under way, not found valid lately) holds a part of the address's
     * failure budget until the request has its verdict, so that many guesses at once cost no more
     * queries than the budget allows; over it, the request is refused as over budget. Held until
     * after the verdict, not the answer: a failure is charged ({@link #failed}) before its part
     * is given back, so no guess finds the budget free in between.
     */
    private Mono<Authentication> authenticate(Authentication presented) {
        Asking asking = new Asking(presented.getDetails() instanceof InetAddress client ? client : null);
        return manager.authenticate(presented, asking).doFinally(asking);
    }

    /**
     * One request's part of its address's budget, taken if the database must be asked, and given
     * back with the verdict. One object per request: a token answered from the cache takes nothing.
     */
    private final class Asking implements Runnable, Consumer<SignalType> {

        private final InetAddress address;
        private volatile FailedAuthentications.Check check;

        Asking(InetAddress address) {
            this.address = address;
        }

        @Override
        public void run() {
            FailedAuthentications.Check started = failures.startCheck(address);
            if (started == null) {
                Duration wait = failures.waitBefore(address);
                throw new BearerTokenConverter.TooManyFailures(wait.isZero() ? CHECKS_UNDER_WAY : wait);
            }
            check = started;
        }

        @Override
        public void accept(SignalType verdict) {
            FailedAuthentications.Check held = check;
            if (held != null) {
                held.end();
            }
        }
    }

    /**
     * The token an authenticated request presented, for handlers behind the rules that require
     * one. Read from the exchange rather than resolved as {@code @AuthenticationPrincipal}: the
     * annotated handler adapter looks every parameter's resolver up afresh per request, and that
     * one came late in its list (JFR of the hit path).
     */
    public static ApiToken client(ServerWebExchange exchange) {
        ApiToken client = exchange.getAttribute(CLIENT);
        if (client == null) {
            throw new IllegalStateException("No authenticated token: the route's rule must require one");
        }
        return client;
    }

    private static Mono<Void> succeeded(WebFilterExchange exchange, Authentication authentication) {
        ApiToken client = (ApiToken) authentication.getPrincipal();
        exchange.getExchange().getAttributes().put(CLIENT, client);
        AuditedRequest.of(exchange.getExchange()).tokenId(client.id());
        return exchange.getChain().filter(exchange.getExchange());
    }

    private Mono<Void> failed(WebFilterExchange exchange, AuthenticationException failure) {
        if (failure instanceof BearerTokenConverter.TooManyFailures tooMany) {
            return Mono.error(new ApiException(ErrorCode.TOO_MANY_REQUESTS,
                    "Too many failed authentications from this address; try again later", tooMany.retryAfter()));
        }
        failures.record(peer(exchange.getExchange()));
        String detail = failure instanceof BearerTokenConverter.Refused ? failure.getMessage()
                : "The token is unknown or revoked";
        return Mono.error(new ApiException(ErrorCode.UNAUTHORIZED, detail));
    }

    private static java.net.InetAddress peer(ServerWebExchange exchange) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        return remote == null ? null : remote.getAddress();
    }
}
