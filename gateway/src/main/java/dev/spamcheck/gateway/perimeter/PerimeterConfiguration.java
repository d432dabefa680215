package dev.spamcheck.gateway.perimeter;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.security.autoconfigure.actuate.web.reactive.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authorization.AuthorizationWebFilter;
import org.springframework.security.web.server.authorization.ExceptionTranslationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.security.web.server.header.HttpHeaderWriterWebFilter;
import org.springframework.security.web.server.header.ServerHttpHeadersWriter;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.cors.reactive.CorsWebFilter;
import org.springframework.web.cors.reactive.DefaultCorsProcessor;
import org.springframework.web.cors.reactive.UrlBasedCorsConfigurationSource;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.gateway.transport.ManagementServer;
import reactor.core.publisher.Mono;

/**
 * The gateway's perimeter: who may do what, deny by default. Every request passes the firewall
 * ({@link ApiFirewall}) and then exactly one of the chains below; the API chain's rules
 * ({@link ApiRules}) are matched on the path routing uses, so a route added later needs the admin
 * role until a rule there says otherwise.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class PerimeterConfiguration {

    @Bean
    @Order(1)
    SecurityWebFilterChain managementPort(ServerHttpSecurity http) {
        // Health and metrics on the management port, for probes without tokens, and nothing else:
        // its server routes the application's functional routes too (the spam score among them).
        ServerAuthenticationEntryPoint notFound = (exchange, denied) -> {
            exchange.getResponse().setStatusCode(HttpStatus.NOT_FOUND);
            return exchange.getResponse().setComplete();
        };
        return new NamedOnceFilterChain(stateless(http)
                .securityMatcher(exchange -> ManagementServer.handles(exchange) ? MatchResult.match() : MatchResult.notMatch())
                .authorizeExchange(rules -> rules.matchers(EndpointRequest.toAnyEndpoint()).permitAll()
                        .anyExchange().denyAll())
                .exceptionHandling(refusals -> refusals.authenticationEntryPoint(notFound))
                .build());
    }

    @Bean
    @Order(2)
    SecurityWebFilterChain api(ServerHttpSecurity http, Perimeter perimeter, BearerTokens tokens,
            GatewayProperties properties) {
        Denials denials = new Denials(perimeter);
        // What authorizeExchange() would add, around ApiRules itself (see there for why).
        ExceptionTranslationWebFilter refusals = new ExceptionTranslationWebFilter();
        refusals.setAuthenticationEntryPoint(denials);
        refusals.setAccessDeniedHandler(denials);
        stateless(http)
                .headers(ServerHttpSecurity.HeaderSpec::disable)
                .addFilterAt(new HttpHeaderWriterWebFilter(new SecurityHeaders()), SecurityWebFiltersOrder.HTTP_HEADERS_WRITER)
                .addFilterAt(tokens.filter(perimeter.inside()), SecurityWebFiltersOrder.AUTHENTICATION)
                .addFilterAt(refusals, SecurityWebFiltersOrder.EXCEPTION_TRANSLATION)
                .addFilterAt(new AuthorizationWebFilter(new ApiRules(perimeter)), SecurityWebFiltersOrder.AUTHORIZATION);
        CorsWebFilter cors = cors(properties.corsOrigins());
        // A request's CORS headers before authentication can refuse it: a browser shows the web
        // tool a refusal without them (401, 403, 429, 503) as a failed fetch, with no status, code
        // or Retry-After. A cross-origin one only inside the perimeter, as preflights, which are
        // answered after the rules: outside it, nothing tells which origins are allowed. The
        // perimeter is asked only when there is an Origin: a server-side caller's hit sends none.
        http.addFilterAt((exchange, chain) -> {
            ServerHttpRequest request = exchange.getRequest();
            boolean notHere = CorsUtils.isPreFlightRequest(request)
                    || (request.getHeaders().getOrigin() != null && !perimeter.admits(exchange));
            return notHere ? chain.filter(exchange) : cors.filter(exchange, chain);
        }, SecurityWebFiltersOrder.CORS)
                .addFilterAfter((exchange, chain) -> CorsUtils.isPreFlightRequest(exchange.getRequest())
                        ? cors.filter(exchange, chain) : chain.filter(exchange), SecurityWebFiltersOrder.AUTHORIZATION);
        if (properties.gateway().perTokenRate() > 0) {
            http.addFilterAfter(new PerTokenRateLimit(properties.gateway().perTokenRate()),
                    SecurityWebFiltersOrder.AUTHORIZATION);
        }
        return new NamedOnceFilterChain(http.build());
    }

    /**
     * No observation of each security filter, authentication and authorization: on every request
     * they cost more than the checks themselves (JFR of the hit path). The HTTP server's own
     * metrics stay, and so do the perimeter's (denials, failed authentications).
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    ServerWebExchangeFirewall firewall(ClientAddresses addresses) {
        return new ApiFirewall(addresses);
    }

    @Bean
    ServerExchangeRejectedHandler rejectedRequests() {
        // Refused before the chain's header writer runs: the same security headers go on the problem.
        // The chain hands over the exchange as it came in, so it is seen as the client sent it first
        // (HTTPS through a trusted proxy: HSTS goes on the refusal too).
        ServerHttpHeadersWriter headers = new SecurityHeaders();
        return (exchange, rejected) -> {
            ClientOrigin origin = ClientOrigin.of(exchange);
            ServerWebExchange seen = origin == null ? exchange : origin.applyTo(exchange);
            return headers.writeHttpHeaders(seen).then(Mono.error(ApiFirewall.problem(rejected)));
        };
    }

    /**
     * One origin as a browser sends it: {@code *} would let every page on the web call the API from
     * its visitors' browsers, {@code null} every sandboxed frame and local file, and an origin with
     * a path would match nothing.
     */
    private static void requireOrigin(String origin) {
        URI uri;
        try {
            uri = new URI(origin);
        }
        catch (URISyntaxException ex) {
            uri = null;
        }
        if (uri == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getRawUserInfo() != null || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw new InvalidConfigurationException("SPAMCHECK_CORS_ORIGINS must list origins such as"
                    + " https://tool.example.com, without a path; not '" + origin + "'");
        }
    }

    /** A bearer-token API: no sessions, saved requests, logins, logouts or CSRF tokens. */
    private static ServerHttpSecurity stateless(ServerHttpSecurity http) {
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance());
    }

    /** CORS for the web tool's origins ({@code SPAMCHECK_CORS_ORIGINS}); other origins get a problem. */
    static CorsWebFilter cors(List<String> origins) {
        origins.forEach(PerimeterConfiguration::requireOrigin);
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOrigins(origins);
        cors.setAllowedMethods(List.of("GET", "HEAD", "POST", "DELETE"));
        cors.setAllowedHeaders(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE));
        cors.setExposedHeaders(List.of("X-Request-Id", HttpHeaders.RETRY_AFTER));
        cors.setMaxAge(Duration.ofHours(1));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", cors);
        return new CorsWebFilter(source, new DefaultCorsProcessor() {
            @Override
            protected void rejectRequest(ServerHttpResponse response) {
                // CorsWebFilter would answer a bare 403; an error is answered as a problem and audited.
                throw new ApiException(ErrorCode.FORBIDDEN, "This origin may not call the API");
            }
        });
    }
}
