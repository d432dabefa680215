package dev.spamcheck.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The authentication filter's decisions, and which of them cost a database query. */
class BearerTokensTest {

    private static final String VALID = TokenSecrets.newToken();
    private static final ApiToken STORED = new ApiToken("tok_0123456789ab", "test", Role.LOOKUP, Instant.now(), null);

    private final AtomicInteger queries = new AtomicInteger();
    private final TokenStore store = new TokenStore(null) {
        @Override
        Mono<ApiToken> findActive(byte[] hash) {
            queries.incrementAndGet();
            return TokenSecrets.sameHash(hash, TokenSecrets.sha256(VALID)) ? Mono.just(STORED) : Mono.empty();
        }
    };
    private final AuthenticationWebFilter filter = new BearerTokens(new TokenAuthenticationManager(store),
            new FailedAuthentications(3, Duration.ofMinutes(1))).filter(ServerWebExchangeMatchers.anyExchange());

    @Test
    void aKnownTokenAuthenticatesWithItsRole() {
        AtomicReference<Object> principal = new AtomicReference<>();
        filter.filter(request("Bearer " + VALID, "192.0.2.1"), exchange -> ReactiveSecurityContextHolder.getContext()
                .doOnNext(context -> principal.set(context.getAuthentication())).then()).block();
        assertThat(principal.get()).isInstanceOfSatisfying(TokenAuthentication.class, authentication -> {
            assertThat(authentication.getPrincipal()).isEqualTo(STORED);
            assertThat(authentication.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_LOOKUP");
            assertThat(authentication.toString()).doesNotContain(VALID);
        });
    }

    /** RFC 6750: {@code "Bearer" 1*SP b64token}; the scheme's case does not matter (RFC 9110). */
    @Test
    void moreThanOneSpaceAfterTheSchemeIsStillTheToken() {
        for (String header : new String[] {"Bearer  " + VALID, "bearer " + VALID, " Bearer   " + VALID + " "}) {
            assertThat(failure(request(header, "192.0.2.20"))).as(header.replace(VALID, "<token>")).isNull();
        }
        assertThat(queries).as("checked once, then known").hasValue(1);
    }

    @Test
    void malformedCredentialsAreRefusedWithoutAQuery() {
        for (String header : new String[] {"Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Token " + VALID,
                "Bearer sct_short", "Bearer " + VALID + "x", "Bearer " + VALID.replace('_', '\u00e9')}) {
            assertThat(failure(request(header, "192.0.2." + header.length()))).isEqualTo(ErrorCode.UNAUTHORIZED);
        }
        assertThat(queries).hasValue(0);
    }

    @Test
    void aTokenInTheUrlIsRefusedWithoutAQuery() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/openapi.yaml")
                .queryParam("access_token", VALID).header("Authorization", "Bearer " + VALID)
                .remoteAddress(new InetSocketAddress("192.0.2.9", 1)));
        assertThat(failure(exchange)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(queries).hasValue(0);
    }

    @Test
    void aGenericQueryParameterIsNoCredentialButATokenAnywhereInTheQueryIs() {
        // A tool may add ?key=… to every call: refused, it would count against everyone at its address.
        MockServerWebExchange keyed = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/openapi.yaml")
                .queryParam("key", "crm42").queryParam("token", "next").header("Authorization", "Bearer " + VALID)
                .remoteAddress(new InetSocketAddress("192.0.2.11", 1)));
        assertThat(failure(keyed)).isNull();
        MockServerWebExchange tokenAsName = MockServerWebExchange.from(MockServerHttpRequest
                .get("/api/v1/openapi.yaml?" + VALID).header("Authorization", "Bearer " + VALID)
                .remoteAddress(new InetSocketAddress("192.0.2.12", 1)));
        assertThat(failure(tokenAsName)).isEqualTo(ErrorCode.UNAUTHORIZED);
        MockServerWebExchange tokenAsValue = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/openapi.yaml")
                .queryParam("key", VALID).header("Authorization", "Bearer " + VALID)
                .remoteAddress(new InetSocketAddress("192.0.2.13", 1)));
        assertThat(failure(tokenAsValue)).isEqualTo(ErrorCode.UNAUTHORIZED);
    }

    @Test
    void aQueryValueThatMerelyBeginsLikeATokenIsNoToken() {
        // A campaign may well be called sct_q4; only a whole token in the URL is refused.
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/admin/audit")
                .queryParam("campaign_id", "sct_q4").header("Authorization", "Bearer " + VALID)
                .remoteAddress(new InetSocketAddress("192.0.2.10", 1)));
        assertThat(failure(exchange)).isNull();
    }

    @Test
    void anAddressOverItsFailureBudgetIsRefusedBeforeAnyQuery() {
        String unknown = TokenSecrets.newToken();
        for (int i = 0; i < 3; i++) {
            assertThat(failure(request("Bearer " + unknown, "192.0.2.50"))).isEqualTo(ErrorCode.UNAUTHORIZED);
        }
        int spent = queries.get();

        assertThat(failure(request("Bearer " + VALID, "192.0.2.50"))).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(queries).hasValue(spent);
        assertThat(failure(request("Bearer " + VALID, "192.0.2.51"))).isNull();
    }

    @Test
    void aTokenFoundValidLatelyIsLetPastItsAddressesFailureBudget() {
        // Behind one address (a NAT, an integration platform's egress), one caller's bad token
        // must not lock out another's good one.
        assertThat(failure(request("Bearer " + VALID, "192.0.2.70"))).isNull();
        String revoked = TokenSecrets.newToken();
        for (int i = 0; i < 3; i++) {
            assertThat(failure(request("Bearer " + revoked, "192.0.2.70"))).isEqualTo(ErrorCode.UNAUTHORIZED);
        }

        assertThat(failure(request("Bearer " + VALID, "192.0.2.70"))).isNull();
        int spent = queries.get();
        assertThat(failure(request("Bearer " + TokenSecrets.newToken(), "192.0.2.70")))
                .isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(failure(request("Bearer " + revoked, "192.0.2.70"))).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(queries).as("guesses cost no query").hasValue(spent);
    }

    @Test
    void guessesSentAtOnceCostNoMoreQueriesThanTheBudget() {
        Sinks.Empty<Void> answer = Sinks.empty();
        TokenStore slow = new TokenStore(null) {
            @Override
            Mono<ApiToken> findActive(byte[] hash) {
                queries.incrementAndGet();
                return answer.asMono().then(Mono.empty());
            }
        };
        AuthenticationWebFilter slowFilter = new BearerTokens(new TokenAuthenticationManager(slow),
                new FailedAuthentications(3, Duration.ofMinutes(1))).filter(ServerWebExchangeMatchers.anyExchange());
        List<CompletableFuture<ErrorCode>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(slowFilter.filter(request("Bearer " + TokenSecrets.newToken(), "192.0.2.80"), passed -> Mono.empty())
                    .then(Mono.<ErrorCode>empty())
                    .onErrorResume(ApiException.class, refused -> Mono.just(refused.errorCode()))
                    .toFuture());
        }

        // Three questions under way hold the budget of three: the other seven are refused at once.
        assertThat(answers.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join))
                .containsOnly(ErrorCode.TOO_MANY_REQUESTS).hasSize(7);
        assertThat(queries).hasValue(3);

        answer.tryEmitEmpty();
        assertThat(answers.stream().map(CompletableFuture::join)).filteredOn(ErrorCode.UNAUTHORIZED::equals).hasSize(3);
        // Answered unknown, the three failures spend the budget: the next guess costs nothing either.
        assertThat(failure(slowFilter, request("Bearer " + TokenSecrets.newToken(), "192.0.2.80")))
                .isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
        assertThat(queries).hasValue(3);
        // Another address has its own.
        assertThat(failure(slowFilter, request("Bearer " + TokenSecrets.newToken(), "192.0.2.81")))
                .isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(queries).hasValue(4);
    }

    @Test
    void aCheckGivesItsPartOfTheBudgetBackOnceAnswered() {
        AuthenticationWebFilter tight = new BearerTokens(new TokenAuthenticationManager(store),
                new FailedAuthentications(1, Duration.ofMinutes(1))).filter(ServerWebExchangeMatchers.anyExchange());
        assertThat(failure(tight, request("Bearer " + VALID, "192.0.2.90"))).isNull();
        assertThat(failure(tight, request("Bearer " + TokenSecrets.newToken(), "192.0.2.90")))
                .as("the valid token's check held the only part, and gave it back").isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(failure(tight, request("Bearer " + TokenSecrets.newToken(), "192.0.2.90")))
                .as("spent by the failure").isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
    }

    @Test
    void aVerifiedTokenIsQueriedOncePerSecondAtMost() {
        for (int i = 0; i < 5; i++) {
            assertThat(failure(request("Bearer " + VALID, "192.0.2.60"))).isNull();
        }
        assertThat(queries).hasValue(1);
    }

    /** The error code the filter answers with, or null when it let the request through. */
    private ErrorCode failure(MockServerWebExchange exchange) {
        return failure(filter, exchange);
    }

    private static ErrorCode failure(AuthenticationWebFilter filter, MockServerWebExchange exchange) {
        try {
            filter.filter(exchange, passed -> Mono.empty()).block();
            return null;
        }
        catch (ApiException ex) {
            return ex.errorCode();
        }
    }

    private static MockServerWebExchange request(String authorization, String client) {
        return MockServerWebExchange.from(MockServerHttpRequest.post("/api/v1/spam_score")
                .header("Authorization", authorization).remoteAddress(new InetSocketAddress(client, 1)));
    }
}
