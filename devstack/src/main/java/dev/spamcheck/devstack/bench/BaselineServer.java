package dev.spamcheck.devstack.bench;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The framework's own limits, in a JVM of its own as the measured gateway is (same options, the
 * same kind of Reactor Netty event loops), each reading the request body and answering a constant
 * spam score: {@link #PATH} answers at once, whatever the gateway answers more slowly is
 * spamcheck's cost; {@link #DURABLE_PATH} first has one audit-like record acknowledged by the
 * devstack's Kafka broker ({@code acks=all}), the least a promise of a durable audit trail costs,
 * so that what the gateway adds beyond it is its own. Runs until its process is stopped.
 */
final class BaselineServer implements AutoCloseable {

    static final String PATH = "/baseline/spam_score";
    static final String DURABLE_PATH = "/baseline/durable";
    static final String TOPIC = "spamcheck.bench.baseline";
    /** Names the producer in the broker's logs and metrics. */
    static final String CLIENT_ID = "spamcheck-bench-baseline";
    private static final String ANSWER = "{\"spam_score\":0,\"checked_at\":\"2026-01-01T00:00:00Z\"}";

    private final DisposableServer server;
    private final KafkaProducer<String, byte[]> kafka;

    private BaselineServer(DisposableServer server, KafkaProducer<String, byte[]> kafka) {
        this.server = server;
        this.kafka = kafka;
    }

    /** Arguments: the devstack's Kafka bootstrap servers, and the port to answer on. */
    public static void main(String[] args) throws Exception {
        BaselineServer server = start(args[0], Integer.parseInt(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        server.server.onDispose().block();
    }

    /** @param bootstrapServers the devstack's broker, which the durable baseline writes to */
    static BaselineServer start(String bootstrapServers, int port) throws Exception {
        createTopic(bootstrapServers);
        KafkaProducer<String, byte[]> kafka = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, CLIENT_ID,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                // The gateway's settings (gateway.yml). Linger: the client's default since Kafka 4.0 is
                // 5 ms, which would hold each lone request at 25 per second that long.
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new StringSerializer(), new ByteArraySerializer());
        // Metadata now, so that send() finds it and never waits on an event loop for it; the
        // buffer (32 MiB) does not fill at these rates, the other way send() could block.
        kafka.partitionsFor(TOPIC);
        var handler = RouterFunctions.toHttpHandler(RouterFunctions
                .route(RequestPredicates.POST(PATH), request -> request.bodyToMono(String.class)
                        .then(Mono.defer(BaselineServer::answer)))
                .andRoute(RequestPredicates.POST(DURABLE_PATH), request -> request.bodyToMono(String.class)
                        .flatMap(body -> Mono.fromFuture(() -> write(kafka)))
                        // The acknowledgement arrives on the producer's network thread: nothing else may run there.
                        .publishOn(Schedulers.parallel())
                        .then(Mono.defer(BaselineServer::answer))));
        return new BaselineServer(HttpServer.create().host("127.0.0.1").port(port)
                .handle(new ReactorHttpHandlerAdapter(handler)).bindNow(), kafka);
    }

    @Override
    public void close() {
        server.disposeNow();
        kafka.close();
    }

    private static Mono<ServerResponse> answer() {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(ANSWER);
    }

    /**
     * One record the size and shape of a gateway's audit event of a hit (about 300 bytes of JSON),
     * with a new request id and no key, as the gateway sends its events.
     */
    private static CompletableFuture<Void> write(KafkaProducer<String, byte[]> kafka) {
        String requestId = UUID.randomUUID().toString();
        byte[] event = ("{\"request_id\":\"" + requestId + "\",\"occurred_at\":\"" + Instant.now()
                + "\",\"token_id\":\"3f2b9c1e-5d4a-4e8b-9a7c-1b2d3e4f5a6b\",\"client_ip\":\"127.0.0.1\","
                + "\"method\":\"POST\",\"path\":\"/api/v1/spam_score\",\"number_last4\":\"0123\","
                + "\"number_hash\":\"q2Vb8nXf0PzL4kR7sT1uW3yA5cE9gH6jM8oQ0rS2tU4\",\"outcome\":\"hit\","
                + "\"http_status\":200,\"latency_ms\":1}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        kafka.send(new ProducerRecord<>(TOPIC, null, event), (metadata, failure) -> {
            if (failure == null) {
                acknowledged.complete(null);
            }
            else {
                acknowledged.completeExceptionally(failure);
            }
        });
        return acknowledged;
    }

    /** Partitions and replicas as the audit events' topic has them in this devstack. */
    private static void createTopic(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers))) {
            TopicDescription audit = admin.describeTopics(Collections.singleton(Topics.AUDIT_EVENTS.name()))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get(Topics.AUDIT_EVENTS.name());
            NewTopic topic = new NewTopic(TOPIC, audit.partitions().size(),
                    (short) audit.partitions().get(0).replicas().size());
            try {
                admin.createTopics(Collections.singleton(topic)).all().get(30, TimeUnit.SECONDS);
            }
            catch (java.util.concurrent.ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
            }
        }
    }
}
