package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** A client that stops sending loses its connection instead of holding it. */
class SlowClientSystemTest {

    private static ConfigurableApplicationContext gateway;

    @BeforeAll
    static void startGateway() {
        gateway = TestStack.get().startGateway(0, 0, Map.of("server.netty.idle-timeout", "1s",
                "spamcheck.gateway.read-timeout", "1s"));
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    @Test
    void aConnectionThatNeverFinishesItsHeadersIsClosed() throws Exception {
        try (Socket client = new Socket("127.0.0.1", DevStack.port(gateway))) {
            client.getOutputStream().write("POST /api/v1/spam_score HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            awaitClosed(client);
        }
    }

    @Test
    void aConnectionThatTricklesItsHeadersIsClosedAllTheSame() throws Exception {
        try (Socket client = new Socket("127.0.0.1", DevStack.port(gateway))) {
            client.getOutputStream().write("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            // A byte every 300 ms, never done: a byte now and then does not hold the idle timeout off.
            Thread trickle = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(300);
                        client.getOutputStream().write('a');
                        client.getOutputStream().flush();
                    }
                }
                catch (IOException | InterruptedException closed) {
                    // the server closed the connection, or the test is over
                }
            });
            trickle.start();
            try {
                awaitClosed(client);
            }
            finally {
                trickle.interrupt();
            }
        }
    }

    @Test
    void aClientThatStallsInTheMiddleOfItsBodyIsCutOffAndItsExchangeAudited() throws Exception {
        String token = AdminApi.createToken("slow client", "lookup").get("token").asString();
        String tokenId = tokenId(token);
        try (Socket client = RawHttp.open(DevStack.port(gateway), "POST", "/api/v1/spam_score",
                List.of("Authorization: Bearer " + token, "Content-Type: application/json", "Content-Length: 100"), null)) {
            client.getOutputStream().write("{\"phone_number\": ".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            awaitClosed(client);
        }
        List<Map<String, Object>> rows = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> AuditLog.rowsOfToken(tokenId), found -> !found.isEmpty());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("error_code")).isEqualTo("request_timeout");
        TestStack.recordRequestId(rows.get(0).get("request_id").toString());
    }

    /** Reads until the server closes the connection, which it must do long before the test gives up. */
    private static void awaitClosed(Socket client) throws IOException {
        client.setSoTimeout(10_000);
        long started = System.nanoTime();
        InputStream in = client.getInputStream();
        try {
            while (in.read() >= 0) {
                // an answer, if any, before the close
            }
        }
        catch (SocketException reset) {
            // closed with a reset: closed all the same
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    }

    private static String tokenId(String token) throws Exception {
        for (var listed : TestStack.json(AdminApi.get("/api/v1/admin/tokens")).get("tokens")) {
            if (listed.get("name").asString().equals("slow client")) {
                return listed.get("id").asString();
            }
        }
        throw new AssertionError("token not listed");
    }
}
