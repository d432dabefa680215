package dev.spamcheck.gateway.auth;

import static org.mockito.Mockito.mock;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.mockito.Answers;
import org.mockito.invocation.InvocationOnMock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.bean.override.mockito.MockReset;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.server.WebFilter;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import reactor.core.publisher.Mono;

/**
 * The gateway's WebFlux layer as it runs, for {@code @WebFluxTest}s: the real security chain,
 * firewall, client addresses, bearer tokens, problem answers and audit filter, with two known
 * tokens ({@link #LOOKUP}, {@link #ADMIN}), PostgreSQL stood in for and Kafka recorded in
 * {@link SentToKafka}. Tests use it through {@link GatewaySliceTest}.
 */
@TestConfiguration(proxyBeanMethods = false)
@ComponentScan(basePackages = {"dev.spamcheck.gateway.perimeter", "dev.spamcheck.gateway.audit",
        "dev.spamcheck.gateway.problem", "dev.spamcheck.gateway.contract"})
@EnableConfigurationProperties({GatewayProperties.class, SpamcheckProperties.class})
public class GatewaySlice {

    public static final String KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    public static final String LOOKUP = TokenSecrets.newToken();
    public static final String ADMIN = TokenSecrets.newToken();
    public static final String ADMIN_ID = "tok_00000000000a";
    /** The test's stand-in for the peer address a real connection has: loopback unless it says. */
    public static final String PEER = "X-Test-Peer";

    @Bean
    BearerTokens bearerTokens(TokenAuthenticationManager manager, GatewayProperties properties) {
        return new BearerTokens(manager, properties);
    }

    @Bean
    TokenAuthenticationManager tokenAuthenticationManager(TokenStore tokens) {
        return new TokenAuthenticationManager(tokens);
    }

    /** Knows {@link #LOOKUP} and {@link #ADMIN}; anything else a test stubs is reset after it. */
    @Bean
    TokenStore tokenStore() {
        return mock(TokenStore.class, MockReset.withSettings(MockReset.AFTER).defaultAnswer(GatewaySlice::knownTokens));
    }

    @Bean
    DatabaseClient databaseClient() {
        return mock(DatabaseClient.class);
    }

    @Bean
    NumberProtection numberProtection(SpamcheckProperties properties) {
        return NumberProtection.fromSecrets(properties.hashKey(), properties.encryptionKeys());
    }

    @Bean
    PhoneNumberRules phoneNumberRules(SpamcheckProperties properties) {
        return new PhoneNumberRules(properties.allowedRegions());
    }

    @Bean
    SentToKafka sentToKafka() {
        return new SentToKafka();
    }

    @Bean
    TopicSender topicSender(SentToKafka kafka) {
        return new TopicSender(kafka);
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    WebFilter peerAddress() {
        return (exchange, chain) -> {
            String peer = exchange.getRequest().getHeaders().getFirst(PEER);
            InetSocketAddress address = new InetSocketAddress(peer == null ? "127.0.0.1" : peer, 40000);
            return chain.filter(exchange.mutate().request(request -> request.remoteAddress(address)).build());
        };
    }

    /** Asserts an RFC 9457 answer with this status and {@code code}; returns its body. */
    public static String problem(WebTestClient.ResponseSpec response, int status, String code) {
        byte[] body = response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(status).jsonPath("$.code").isEqualTo(code)
                .returnResult().getResponseBody();
        return new String(body, StandardCharsets.UTF_8);
    }

    private static Object knownTokens(InvocationOnMock invocation) throws Throwable {
        if (!invocation.getMethod().getName().equals("findActive")) {
            return Answers.RETURNS_DEFAULTS.answer(invocation);
        }
        byte[] hash = invocation.getArgument(0);
        if (Arrays.equals(hash, TokenSecrets.sha256(LOOKUP))) {
            return Mono.just(new ApiToken("tok_00000000000b", "lookup", Role.LOOKUP, Instant.EPOCH, null));
        }
        if (Arrays.equals(hash, TokenSecrets.sha256(ADMIN))) {
            return Mono.just(new ApiToken(ADMIN_ID, "admin", Role.ADMIN, Instant.EPOCH, null));
        }
        return Mono.empty();
    }

    /** What was sent to Kafka, each send acknowledged at once. */
    public static final class SentToKafka extends KafkaTemplate<String, Object> {

        public record Sent(String topic, String key, Object value) {
        }

        private final List<Sent> sent = new CopyOnWriteArrayList<>();
        private final Map<String, RuntimeException> refusals = new ConcurrentHashMap<>();

        SentToKafka() {
            super(new DefaultKafkaProducerFactory<>(Map.of()));
        }

        @Override
        public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
            RuntimeException refusal = refusals.get(topic);
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            sent.add(new Sent(topic, key, data));
            return CompletableFuture.completedFuture(null);
        }

        /** Sends to this topic fail with {@code failure} until the next {@link #clear()}. */
        public void refuse(String topic, RuntimeException failure) {
            refusals.put(topic, failure);
        }

        /** The values sent to this topic since the last {@link #clear()}. */
        public <V> List<V> to(String topic, Class<V> type) {
            return sent.stream().filter(s -> s.topic().equals(topic)).map(s -> type.cast(s.value())).toList();
        }

        public void clear() {
            sent.clear();
            refusals.clear();
        }
    }
}
