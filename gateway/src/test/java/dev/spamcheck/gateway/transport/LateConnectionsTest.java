package dev.spamcheck.gateway.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spamcheck.gateway.TestProperties;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * Connections the graceful shutdown did not see, on a real server with the gateway's pipeline:
 * each case stands for a connection that started after Reactor Netty took its set to wait for.
 */
class LateConnectionsTest {

    private static final String REQUEST = "GET /%s HTTP/1.1\r\nHost: gateway\r\n\r\n";

    private final LateConnections lateConnections = new LateConnections(Duration.ofSeconds(2));
    private final AtomicInteger handled = new AtomicInteger();
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final Sinks.Empty<Void> slowMayAnswer = Sinks.empty();
    private LoopResources loops;
    private DisposableServer server;

    @BeforeEach
    void startServer() {
        loops = LoopResources.create("late-connections-test", 1, true);
        HttpServer plain = HttpServer.create().host("127.0.0.1").port(0).runOn(loops);
        server = new NettyConfiguration()
                .requestGuardAndReadTimeout(TestProperties.gateway(Map.of()), 0, -1, lateConnections)
                .apply(plain)
                .handle((request, response) -> {
                    handled.incrementAndGet();
                    Mono<Void> ready = Mono.empty();
                    if (request.uri().equals("/slow")) {
                        slowStarted.countDown();
                        ready = slowMayAnswer.asMono();
                    }
                    return ready.then(response.sendString(Mono.just("answered")).then());
                })
                .bindNow();
        lateConnections.start();
    }

    @AfterEach
    void stopServer() {
        server.disposeNow();
        loops.dispose();
    }

    @Test
    void aConnectionThatStartsOnceTheyAreBeingEndedIsClosedWithItsRequestUnread() throws Exception {
        stopAndAwait();

        try (Socket client = connect()) {
            send(client, "fast");

            assertThat(readUntilClosed(client)).isEmpty();
        }
        assertThat(handled).hasValue(0);
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterItsAnswer() throws Exception {
        try (Socket client = connect()) {
            send(client, "fast");
            await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 1);
            // Not closed by the server on its own: kept alive for the next request.
            client.setSoTimeout(300);
            assertThat(readAvailable(client)).contains("200 OK").contains("answered");

            stopAndAwait();

            client.setSoTimeout(5_000);
            assertThat(readUntilClosed(client)).isEmpty();
        }
    }

    @Test
    void aRequestInFlightIsAnsweredBeforeItsConnectionIsClosed() throws Exception {
        try (Socket client = connect()) {
            AtomicBoolean ended = stopWithASlowRequestInFlight(client);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).untilFalse(ended);

            slowMayAnswer.tryEmitEmpty();

            assertThat(readUntilClosed(client)).contains("200 OK").contains("answered");
            await().atMost(Duration.ofSeconds(5)).untilTrue(ended);
        }
        assertThat(lateConnections.isRunning()).isFalse();
    }

    @Test
    void anExchangeThatNeverEndsHoldsTheStopOnlyAsLongAsAnExchangeMayTake() throws Exception {
        try (Socket client = connect()) {
            AtomicBoolean ended = stopWithASlowRequestInFlight(client);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).untilFalse(ended);
            await().atMost(Duration.ofSeconds(5)).untilTrue(ended);

            assertThat(readUntilClosed(client)).isEmpty();
        }
    }

    /** Sends a request that waits to be let answer, and once it is handled, starts the stop; true once it ended. */
    private AtomicBoolean stopWithASlowRequestInFlight(Socket client) throws Exception {
        send(client, "slow");
        assertThat(slowStarted.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ended = new AtomicBoolean();
        lateConnections.stop(() -> ended.set(true));
        return ended;
    }

    private void stopAndAwait() {
        AtomicBoolean ended = new AtomicBoolean();
        lateConnections.stop(() -> ended.set(true));
        await().atMost(Duration.ofSeconds(5)).untilTrue(ended);
    }

    private Socket connect() throws IOException {
        Socket client = new Socket(server.host(), server.port());
        client.setSoTimeout(5_000);
        return client;
    }

    private static void send(Socket client, String path) throws IOException {
        client.getOutputStream().write(REQUEST.formatted(path).getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
    }

    /** Everything the server sends until it closes; a reset counts as closed. Times out if it never does. */
    private static String readUntilClosed(Socket client) throws IOException {
        Read read = read(client);
        assertThat(read.closed()).as("closed by the server, not silent: %s", read.text()).isTrue();
        return read.text();
    }

    /** What has arrived until the server falls silent for the socket's timeout, without it closing. */
    private static String readAvailable(Socket client) throws IOException {
        Read read = read(client);
        assertThat(read.closed()).as("closed by the server before any shutdown: %s", read.text()).isFalse();
        return read.text();
    }

    /** What the server sent, and whether it then closed (or reset) the connection rather than fall silent. */
    private record Read(String text, boolean closed) {
    }

    private static Read read(Socket client) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        InputStream in = client.getInputStream();
        byte[] buffer = new byte[1024];
        boolean closed = true;
        try {
            for (int n; (n = in.read(buffer)) != -1;) {
                received.write(buffer, 0, n);
            }
        }
        catch (SocketTimeoutException silent) {
            closed = false;
        }
        catch (SocketException reset) {
            // Closed with the request unread: the kernel resets instead of closing.
        }
        return new Read(received.toString(StandardCharsets.US_ASCII), closed);
    }
}
