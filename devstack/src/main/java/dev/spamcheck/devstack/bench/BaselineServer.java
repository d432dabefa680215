package dev.spamcheck.devstack.bench;

import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The framework's own limit: a bare WebFlux endpoint on Reactor Netty, in the devstack's JVM
 * beside the gateways (same flags, same event loops), that reads the request body and answers
 * a constant spam score. Whatever the gateway answers more slowly than this is spamcheck's cost.
 */
final class BaselineServer implements AutoCloseable {

    static final String PATH = "/baseline/spam_score";
    private static final String ANSWER = "{\"spam_score\":0,\"checked_at\":\"2026-01-01T00:00:00Z\"}";

    private final DisposableServer server;

    private BaselineServer(DisposableServer server) {
        this.server = server;
    }

    static BaselineServer start() {
        var handler = RouterFunctions.toHttpHandler(RouterFunctions.route(RequestPredicates.POST(PATH),
                request -> request.bodyToMono(String.class).then(Mono.defer(() -> ServerResponse.ok()
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(ANSWER)))));
        return new BaselineServer(HttpServer.create().host("127.0.0.1").port(0)
                .handle(new ReactorHttpHandlerAdapter(handler)).bindNow());
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
