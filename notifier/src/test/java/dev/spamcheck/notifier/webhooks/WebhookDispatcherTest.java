package dev.spamcheck.notifier.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.spamcheck.notifier.NotifierProperties;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.ReputationChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Webhook deliveries as a receiver and an operator see them: the queue in a real PostgreSQL, the
 * receiver a real HTTP server on this machine.
 */
class WebhookDispatcherTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    private static final String HASH_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
    private static final String KEY_A = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=";
    private static final String NUMBER = "+12125550123";

    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final NumberProtection protection = NumberProtection.fromSecrets(HASH_KEY, "a:" + KEY_A);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Map<String, List<Received>> received = new HashMap<>();
    private final CountDownLatch releaseHanging = new CountDownLatch(1);
    private final ExecutorService receiverThreads = Executors.newCachedThreadPool();
    private HttpServer receiver;
    private WebhookDispatcher dispatcher;

    record Received(Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        JsonNode json() {
            return MessageCodec.mapper().readTree(body);
        }
    }

    @BeforeEach
    void startReceiver() throws IOException {
        jdbc.sql("DELETE FROM webhook_subscriptions").update();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(receiverThreads);
        for (String path : List.of("/ok", "/ok2", "/fail", "/busy", "/hang")) {
            received.put(path, new CopyOnWriteArrayList<>());
            receiver.createContext(path, exchange -> answer(path, exchange));
        }
        receiver.start();
    }

    private void answer(String path, HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        received.get(path).add(new Received(Map.copyOf(exchange.getRequestHeaders()), body));
        switch (path) {
            case "/fail" -> exchange.sendResponseHeaders(500, -1);
            case "/busy" -> {
                exchange.getResponseHeaders().add("Retry-After", "3600");
                exchange.sendResponseHeaders(503, -1);
            }
            case "/hang" -> {
                try {
                    releaseHanging.await(60, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                exchange.sendResponseHeaders(204, -1);
            }
            default -> exchange.sendResponseHeaders(204, -1);
        }
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.destroy();
        }
        releaseHanging.countDown();
        receiver.stop(0);
        receiverThreads.shutdownNow();
    }

    @Test
    void aQueuedChangeIsPostedOnceSignedWithTheSubscriptionsSecretAndRecordedDelivered() {
        dispatcher = dispatcher(Map.of());
        subscribe("wh_ok", "/ok", false, "whsec_s3cret");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);

        assertThat(queue().enqueue(change, Instant.now())).isEqualTo(1);
        assertThat(queue().enqueue(change, Instant.now())).as("the same change read again").isZero();
        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status("wh_ok", change.id())));
        // Later looks find nothing left to send; a second change, sent after them by the one
        // claiming thread, shows they have been made.
        dispatcher.wakeUp();
        dispatcher.wakeUp();
        ReputationChange next = change(ReputationChange.Type.CLEARED, 1, 0);
        queue().enqueue(next, Instant.now());
        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status("wh_ok", next.id())));

        List<Received> requests = received.get("/ok");
        assertThat(requests).hasSize(2);
        Received first = requests.get(0);
        assertThat(first.header("Content-Type")).isEqualTo("application/json");
        String signature = first.header("Spamcheck-Signature");
        assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
        long t = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(Instant.ofEpochSecond(t)).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
        assertThat(signature).isEqualTo(WebhookSignature.header("whsec_s3cret", t, first.body()));
        assertThat(signature).isNotEqualTo(WebhookSignature.header("whsec_other", t, first.body()));

        JsonNode body = first.json();
        assertThat(body.get("id").asString()).isEqualTo(change.id());
        assertThat(body.get("type").asString()).isEqualTo("number.flagged");
        assertThat(body.get("number_last4").asString()).isEqualTo("0123");
        assertThat(body.get("number_hash").asString()).isEqualTo(protection.hash(NUMBER));
        assertThat(body.get("spam_score").asInt()).isEqualTo(1);
        assertThat(body.get("previous_score").asInt()).isZero();
        assertThat(requests.get(1).json().get("type").asString()).isEqualTo("number.cleared");

        Map<String, Object> row = jdbc.sql("""
                SELECT status, attempts, last_status_code, last_error, number_ciphertext, finished_at
                  FROM webhook_deliveries WHERE event_id = ?""").param(change.id()).query().singleRow();
        assertThat(row.get("status")).isEqualTo("delivered");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_status_code")).isEqualTo(204);
        assertThat(row.get("last_error")).isNull();
        assertThat(row.get("number_ciphertext")).as("the ciphertext is dropped once delivered").isNull();
        assertThat(row.get("finished_at")).isNotNull();
        assertThat(attempts(change.id())).extracting(a -> a.get("status_code")).containsExactly(204);
        assertThat(meters.get("spamcheck.webhooks.attempts").tag("outcome", "delivered").counter().count())
                .isEqualTo(2);
    }

    @Test
    void theBodyHoldsTheFullNumberOnlyForSubscriptionsThatOptedIn() {
        dispatcher = dispatcher(Map.of());
        subscribe("wh_plain", "/ok", false, "whsec_1");
        subscribe("wh_number", "/ok2", true, "whsec_2");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, null, 1);

        assertThat(queue().enqueue(change, Instant.now())).isEqualTo(2);
        assertThat(jdbc.sql("SELECT subscription_id FROM webhook_deliveries WHERE number_ciphertext IS NOT NULL")
                .query(String.class).list()).as("only the delivery that sends the number keeps it")
                .containsExactly("wh_number");
        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status("wh_plain", change.id()))
                && "delivered".equals(status("wh_number", change.id())));

        String plain = new String(received.get("/ok").get(0).body(), StandardCharsets.UTF_8);
        assertThat(plain).doesNotContain("2125550123").doesNotContain(change.numberCiphertext())
                .doesNotContain("phone_number");
        JsonNode optedIn = received.get("/ok2").get(0).json();
        assertThat(optedIn.get("phone_number").asString()).isEqualTo(NUMBER);
        assertThat(optedIn.get("previous_score").isNull()).isTrue();
    }

    @Test
    void aReceiverAnswering500IsRetriedLaterAndTheAttemptIsLogged() {
        dispatcher = dispatcher(Map.of("spamcheck.webhooks.retry-initial-interval", "PT20S"));
        subscribe("wh_fail", "/fail", true, "whsec_f");
        subscribe("wh_ok", "/ok", false, "whsec_o");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());

        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts(change.id(), "wh_fail").size() == 1
                && "delivered".equals(status("wh_ok", change.id())));

        Map<String, Object> row = jdbc.sql("""
                SELECT d.status, d.attempts, d.last_status_code, d.last_error, d.number_ciphertext IS NOT NULL AS kept,
                       extract(epoch FROM d.next_attempt_at - a.attempted_at) AS wait
                  FROM webhook_deliveries d JOIN webhook_delivery_attempts a ON a.delivery_id = d.id
                 WHERE d.subscription_id = 'wh_fail'""").query().singleRow();
        assertThat(row.get("status")).isEqualTo("pending");
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_status_code")).isEqualTo(500);
        assertThat(row.get("last_error")).isEqualTo("HTTP 500");
        assertThat(row.get("kept")).as("the number stays for the retry").isEqualTo(true);
        // 20 s back-off with ±50% jitter.
        assertThat(((Number) row.get("wait")).doubleValue()).isBetween(9.0, 31.0);
        Map<String, Object> attempt = attempts(change.id(), "wh_fail").get(0);
        assertThat(attempt.get("status_code")).isEqualTo(500);
        assertThat(attempt.get("error")).isEqualTo("HTTP 500");
        assertThat(meters.get("spamcheck.webhooks.attempts").tag("outcome", "retry").counter().count()).isEqualTo(1);

        // Not due yet: further looks do not send it again.
        dispatcher.wakeUp();
        ReputationChange next = change(ReputationChange.Type.CLEARED, 1, 0);
        jdbc.sql("UPDATE webhook_subscriptions SET events = '{number.flagged}' WHERE id = 'wh_fail'").update();
        queue().enqueue(next, Instant.now());
        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status("wh_ok", next.id())));
        assertThat(received.get("/fail")).hasSize(1);
    }

    @Test
    void aReceiversRetryAfterPostponesTheRetryBeyondTheBackOff() {
        dispatcher = dispatcher(Map.of("spamcheck.webhooks.retry-initial-interval", "PT1S"));
        subscribe("wh_busy", "/busy", false, "whsec_b");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());

        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts(change.id(), "wh_busy").size() == 1);

        double wait = jdbc.sql("""
                SELECT extract(epoch FROM next_attempt_at - now()) FROM webhook_deliveries
                 WHERE subscription_id = 'wh_busy'""").query(Double.class).single();
        assertThat(wait).isGreaterThan(3500);
        assertThat(status("wh_busy", change.id())).isEqualTo("pending");
    }

    @Test
    void aReceiverThatNeverAnswersFailsTheAttemptByTheTimeoutWithoutHoldingUpOtherSubscriptions() {
        dispatcher = dispatcher(Map.of("spamcheck.webhooks.timeout", "PT4S",
                "spamcheck.webhooks.max-in-flight-per-webhook", "1"));
        subscribe("wh_hang", "/hang", false, "whsec_h");
        subscribe("wh_ok", "/ok", false, "whsec_o");
        ReputationChange first = change(ReputationChange.Type.FLAGGED, 0, 1);
        ReputationChange second = change(ReputationChange.Type.CLEARED, 1, 0);
        queue().enqueue(first, Instant.now());
        queue().enqueue(second, Instant.now());

        // The schedule's looks, as often as the test checks.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            dispatcher.wakeUp();
            return "delivered".equals(status("wh_ok", first.id())) && "delivered".equals(status("wh_ok", second.id()));
        });
        assertThat(received.get("/hang")).as("one attempt in flight to the silent receiver, not two").hasSize(1);
        assertThat(jdbc.sql("SELECT count(*) FROM webhook_delivery_attempts a JOIN webhook_deliveries d "
                + "ON d.id = a.delivery_id WHERE d.subscription_id = 'wh_hang'").query(Long.class).single()).isZero();

        Instant waiting = Instant.now();
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("""
                SELECT count(*) FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE d.subscription_id = 'wh_hang'""").query(Long.class).single() == 1);
        Map<String, Object> attempt = jdbc.sql("""
                SELECT a.status_code, a.error, a.duration_ms, d.status, d.last_error
                  FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE d.subscription_id = 'wh_hang'""").query().singleRow();
        assertThat(attempt.get("status_code")).isNull();
        assertThat(attempt.get("error")).isEqualTo("timeout");
        assertThat(attempt.get("status")).isEqualTo("pending");
        assertThat(attempt.get("last_error")).isEqualTo("timeout");
        assertThat(((Number) attempt.get("duration_ms")).longValue()).isBetween(3_500L, 10_000L);
        assertThat(Duration.between(waiting, Instant.now())).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void receiversOnPrivateAddressesAreNotContactedUnlessAllowed() {
        dispatcher = dispatcher(Map.of("spamcheck.webhooks.allow-private-networks", "false"));
        int port = receiver.getAddress().getPort();
        subscribeUrl("wh_name", "http://localhost:" + port + "/ok", false, "whsec_1");
        subscribeUrl("wh_loopback", "http://[::ffff:127.0.0.1]:" + port + "/ok", false, "whsec_2");
        subscribeUrl("wh_metadata", "http://169.254.169.254/latest/meta-data/", false, "whsec_3");
        subscribeUrl("wh_private", "https://10.1.2.3/hook", false, "whsec_4");
        subscribeUrl("wh_shared", "https://100.64.0.1/hook", false, "whsec_5");
        // A public address is contacted (here no route leads there: the attempt fails otherwise).
        subscribeUrl("wh_public", "http://203.0.113.9:9/hook", false, "whsec_6");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());

        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts(change.id()).size() == 6);
        for (String refused : List.of("wh_name", "wh_loopback", "wh_metadata", "wh_private", "wh_shared")) {
            Map<String, Object> attempt = attempts(change.id(), refused).get(0);
            assertThat(attempt.get("error")).as(refused).isEqualTo(WebhookSender.NOT_PUBLIC);
            assertThat(attempt.get("status_code")).isNull();
            assertThat(status(refused, change.id())).isEqualTo("pending");
        }
        assertThat(attempts(change.id(), "wh_public").get(0).get("error")).isNotEqualTo(WebhookSender.NOT_PUBLIC);
        assertThat(received.get("/ok")).as("nothing reached the receiver on this machine").isEmpty();
    }

    @Test
    void anAttemptUnderWayAsItsSubscriptionIsDeletedIsStillLogged() {
        subscribe("wh_gone", "/ok", true, "whsec_g");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());
        DueDelivery claimed = queue().claim(10, 4, Duration.ofSeconds(30)).get(0);
        // What the gateway's deletion does to the subscription's pending deliveries.
        jdbc.sql("""
                UPDATE webhook_deliveries SET status = 'dead', finished_at = now(), lease_until = NULL,
                       number_ciphertext = NULL, last_error = 'subscription deleted'
                 WHERE subscription_id = 'wh_gone'""").update();

        assertThat(queue().record(claimed, Attempt.answered(Instant.now(), Duration.ofMillis(12), 204, null), null))
                .as("not this attempt's outcome: counted as neither delivered nor dead").isFalse();

        assertThat(attempts(change.id(), "wh_gone")).singleElement()
                .satisfies(attempt -> assertThat(attempt.get("status_code")).isEqualTo(204));
        assertThat(status("wh_gone", change.id())).as("it stays as its deletion left it").isEqualTo("dead");
        // Recording it again (a second notifier's late outcome) adds nothing.
        queue().record(claimed, Attempt.answered(Instant.now(), Duration.ofMillis(12), 204, null), null);
        assertThat(attempts(change.id(), "wh_gone")).hasSize(1);
    }

    @Test
    void aStopWaitsForTheAttemptsUnderWayAndRecordsThemInsteadOfLeavingThemToBeSentAgain() {
        dispatcher = dispatcher(Map.of());
        subscribe("wh_hang", "/hang", false, "whsec_h");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());
        dispatcher.wakeUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.get("/hang").size() == 1);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(dispatcher::stop);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> !stopping.isDone());
        assertThat(dispatcher.isRunning()).isFalse();
        releaseHanging.countDown();

        await().atMost(Duration.ofSeconds(10)).until(stopping::isDone);
        assertThat(status("wh_hang", change.id())).isEqualTo("delivered");
    }

    @Test
    void aStoppedDispatcherClaimsNothingMore() {
        dispatcher = dispatcher(Map.of());
        subscribe("wh_ok", "/ok", false, "whsec_o");
        dispatcher.stop();
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());

        dispatcher.wakeUp();

        // Left to the notifiers still running: pending, unclaimed, never sent from here.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1))
                .until(() -> received.get("/ok").isEmpty() && "pending".equals(status("wh_ok", change.id())));
    }

    @Test
    void wakeUpReturnsAtOnceWhileTheDatabaseIsSlowAndTheDeliveryGoesOutWhenItRecovers() throws Exception {
        dispatcher = dispatcher(Map.of());
        subscribe("wh_ok", "/ok", false, "whsec_o");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());

        try (Connection slow = DATABASE.getConnection(); Statement statement = slow.createStatement()) {
            slow.setAutoCommit(false);
            statement.execute("LOCK TABLE webhook_deliveries IN ACCESS EXCLUSIVE MODE");

            assertTimeoutPreemptively(Duration.ofMillis(500), () -> dispatcher.wakeUp());
            // The claiming thread is now stuck behind the lock.
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'""").query(Long.class).single() == 1);
            for (int i = 0; i < 5; i++) {
                assertTimeoutPreemptively(Duration.ofMillis(500), () -> dispatcher.wakeUp(),
                        "wakeUp blocked on a slow database");
            }
            assertThat(received.get("/ok")).isEmpty();
            slow.rollback();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status("wh_ok", change.id())));
        assertThat(received.get("/ok")).hasSize(1);
    }

    @Test
    void anAttemptWhoseLeaseRanOutIsLoggedBesideTheOneThatTookItOver() {
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        List<DueDelivery> claims = claimedTwice(change);
        DueDelivery lapsed = claims.get(0);
        DueDelivery takenOver = claims.get(1);
        assertThat(takenOver.attempt()).isEqualTo(2);

        Instant now = Instant.now();
        assertThat(queue().record(lapsed, Attempt.answered(now, Duration.ofMillis(900), 500, null),
                now.plusSeconds(10))).as("the newer attempt decides").isFalse();
        assertThat(status("wh_ok", change.id())).isEqualTo("pending");
        assertThat(queue().record(takenOver, Attempt.answered(now, Duration.ofMillis(5), 204, null), null)).isTrue();

        assertThat(status("wh_ok", change.id())).isEqualTo("delivered");
        assertThat(attempts(change.id())).extracting(a -> a.get("attempt"), a -> a.get("status_code"))
                .containsExactly(tuple(1, 500), tuple(2, 204));
    }

    @Test
    void anAttemptThatSucceededAfterItsLeaseRanOutEndsADeliveryWaitingForARetry() {
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        List<DueDelivery> claims = claimedTwice(change);
        DueDelivery lapsed = claims.get(0);
        DueDelivery takenOver = claims.get(1);
        Instant now = Instant.now();
        assertThat(queue().record(takenOver, Attempt.answered(now, Duration.ofMillis(5), 500, null),
                now.plusSeconds(10))).isTrue();

        assertThat(queue().record(lapsed, Attempt.answered(now, Duration.ofMillis(900), 204, null), null))
                .as("the receiver has it").isTrue();

        assertThat(status("wh_ok", change.id())).isEqualTo("delivered");
        assertThat(jdbc.sql("SELECT last_status_code FROM webhook_deliveries WHERE event_id = ?")
                .param(change.id()).query(Integer.class).single()).isEqualTo(204);
        assertThat(attempts(change.id())).extracting(a -> a.get("attempt"), a -> a.get("status_code"))
                .containsExactly(tuple(1, 204), tuple(2, 500));
        assertThat(queue().claim(10, 4, Duration.ofSeconds(30))).as("not sent again").isEmpty();
    }

    @Test
    void anAttemptThatSucceededAfterItsLeaseRanOutLeavesTheDeliveryToANewerOneUnderWay() {
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        List<DueDelivery> claims = claimedTwice(change);
        DueDelivery lapsed = claims.get(0);
        DueDelivery underWay = claims.get(1);

        Instant now = Instant.now();
        assertThat(queue().record(lapsed, Attempt.answered(now, Duration.ofMillis(900), 204, null), null)).isFalse();
        // Still leased, so still counted against the subscription's attempts in flight.
        assertThat(status("wh_ok", change.id())).isEqualTo("pending");
        assertThat(jdbc.sql("SELECT lease_until > now() FROM webhook_deliveries WHERE event_id = ?")
                .param(change.id()).query(Boolean.class).single()).isTrue();

        assertThat(queue().record(underWay, Attempt.answered(now, Duration.ofMillis(5), 204, null), null)).isTrue();
        assertThat(status("wh_ok", change.id())).isEqualTo("delivered");
        assertThat(attempts(change.id())).extracting(a -> a.get("attempt")).containsExactly(1, 2);
    }

    @Test
    void aDeliveryPutOffWhileItIsBeingClaimedIsNotClaimed() throws Exception {
        subscribe("wh_ok", "/ok", false, "whsec_o");
        ReputationChange change = change(ReputationChange.Type.FLAGGED, 0, 1);
        queue().enqueue(change, Instant.now());
        try (Connection other = DATABASE.getConnection(); Statement statement = other.createStatement()) {
            other.setAutoCommit(false);
            statement.execute("SELECT id FROM webhook_deliveries WHERE event_id = '" + change.id() + "' FOR UPDATE");
            CompletableFuture<List<DueDelivery>> claimed = CompletableFuture
                    .supplyAsync(() -> queue().claim(10, 4, Duration.ofSeconds(30)));
            // The claim has found it due and waits for its row.
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("""
                    SELECT count(*) FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'""").query(Long.class).single() == 1);

            // Meanwhile an attempt whose lease had run out records a failure: its receiver's
            // Retry-After puts the next attempt an hour off.
            statement.execute("UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour' "
                    + "WHERE event_id = '" + change.id() + "'");
            other.commit();

            assertThat(claimed.get(10, TimeUnit.SECONDS)).isEmpty();
        }
    }

    /**
     * The change's delivery to a subscription, claimed under a lease that ran out while its attempt
     * was made, and claimed again by another notifier: those two claims, in that order.
     */
    private List<DueDelivery> claimedTwice(ReputationChange change) {
        subscribe("wh_ok", "/ok", false, "whsec_o");
        queue().enqueue(change, Instant.now());
        DueDelivery lapsed = queue().claim(10, 4, Duration.ofMillis(200)).get(0);
        DueDelivery takenOver = await().atMost(Duration.ofSeconds(10))
                .until(() -> queue().claim(10, 4, Duration.ofSeconds(30)), claimed -> !claimed.isEmpty()).get(0);
        return List.of(lapsed, takenOver);
    }

    private WebhookDispatcher dispatcher(Map<String, String> settings) {
        // The receiver is on this machine.
        Map<String, String> all = new HashMap<>(Map.of("spamcheck.webhooks.connect-timeout", "PT2S",
                "spamcheck.webhooks.timeout", "PT5S", "spamcheck.webhooks.allow-private-networks", "true"));
        all.putAll(settings);
        NotifierProperties properties = new Binder(new MapConfigurationPropertySource(all))
                .bindOrCreate("spamcheck", NotifierProperties.class);
        WebhookDispatcher started = new WebhookDispatcher(queue(), protection, properties, meters);
        started.start();
        return started;
    }

    private DeliveryQueue queue() {
        return new DeliveryQueue(jdbc);
    }

    private void subscribe(String id, String path, boolean includeNumber, String secret) {
        subscribeUrl(id, "http://127.0.0.1:" + receiver.getAddress().getPort() + path, includeNumber, secret);
    }

    private void subscribeUrl(String id, String url, boolean includeNumber, String secret) {
        jdbc.sql("""
                INSERT INTO webhook_subscriptions (id, url, events, include_phone_number, secret_ciphertext, created_by)
                VALUES (?, ?, '{number.flagged,number.cleared}', ?, ?, 'test')""")
                .params(id, url, includeNumber, protection.seal(secret, id))
                .update();
    }

    private ReputationChange change(ReputationChange.Type type, Integer previous, int score) {
        ProtectedNumber number = protection.protect(NUMBER);
        return new ReputationChange(UUID.randomUUID().toString(), type, number.hash(), number.last4(),
                number.ciphertext(), null, previous, score, Instant.now().truncatedTo(ChronoUnit.MILLIS),
                ReputationChange.Source.INTERACTIVE);
    }

    private String status(String subscription, String eventId) {
        return jdbc.sql("SELECT status FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ?")
                .params(subscription, eventId).query(String.class).optional().orElse(null);
    }

    private List<Map<String, Object>> attempts(String eventId) {
        return jdbc.sql("""
                SELECT a.* FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE d.event_id = ? ORDER BY a.attempt""").param(eventId).query().listOfRows();
    }

    private List<Map<String, Object>> attempts(String eventId, String subscription) {
        return jdbc.sql("""
                SELECT a.* FROM webhook_delivery_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                 WHERE d.event_id = ? AND d.subscription_id = ? ORDER BY a.attempt""").params(eventId, subscription)
                .query().listOfRows();
    }
}
