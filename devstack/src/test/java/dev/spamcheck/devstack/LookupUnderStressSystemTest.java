package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.devstack.bench.StalledLookups;
import dev.spamcheck.devstack.bench.Traffic;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter;

/**
 * No slow, failing or rate-limited number, no departed caller and no bulk job makes an unrelated
 * interactive lookup slow or failed, or makes the account pay for an answer nobody waits for.
 */
class LookupUnderStressSystemTest {

    private static final ExecutorService CALLERS = Executors.newCachedThreadPool();

    @AfterAll
    static void stopCallers() {
        CALLERS.shutdownNow();
    }

    @Test
    void numbersWhoseAnswersStallNeverDelayOtherNumbers() throws Exception {
        // Five unrelated lookups: ten, on a busy CI machine, once outlasted the first stalled call.
        StalledLookups.Report report = StalledLookups.run(TestStack.get(), TestStack.get().baseUrl(), 30, 5);

        System.out.println("Stalls: " + report);
        assertThat(report.loadedStatuses()).containsOnly(200);
        // Blocked behind a stall, a lookup would wait seconds (until the stalled call times out,
        // which the run checks has not happened yet). The latency target itself, p95 within 1.5×
        // idle, is bin/bench's to measure (docs/BENCHMARKS.md): a shared 2-core CI machine cannot,
        // and its other fork may hold a core for a second.
        assertThat(report.loadedMillis()).allMatch(millis -> millis < 2000);
        assertThat(report.statuses()).containsOnly(503);

        // The stalls are over (their callers have their 503s). The shared stack's circuit needs
        // far more calls to open; TwilioFaultsSystemTest shows, with the product's settings, that
        // such a burst opens only its own token's circuit.
        assertThat(TestStack.lookUp(TestStack.uniqueNumber("0123")).statusCode()).isEqualTo(200);
    }

    @Test
    void aCallerWhoGivesUpChangesNothingForTheOthersWaitingForTheSameNumber() throws Exception {
        // ...6061 answers after two rate-limit answers with Retry-After: 1, about two seconds.
        String number = TestStack.uniqueNumber("6061");
        String campaign = "impatient-" + System.nanoTime();
        HttpClient impatient = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> gaveUp = impatient.sendAsync(HttpRequest.newBuilder(
                        URI.create(TestStack.get().baseUrl() + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + TestStack.get().lookupToken())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofMillis(300))
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + number + "\", \"campaign_id\": \""
                        + campaign + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> TestStack.get().twilio().callsFor(number) >= 1);
        CompletableFuture<HttpResponse<String>> patient = CompletableFuture.supplyAsync(() -> TestStack.lookUp(number),
                CALLERS);

        assertThat(gaveUp).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(Exception.class)
                .withCauseInstanceOf(HttpTimeoutException.class);
        assertThat(patient.get().statusCode()).isEqualTo(200);
        assertThat(TestStack.json(patient.get()).get("spam_score").asInt()).isZero();
        assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(3);
        // The impatient caller's exchange is audited as abandoned; its id never reached the test.
        Map<String, Object> abandoned = await().atMost(Duration.ofSeconds(20))
                .until(() -> AuditLog.rowsOfCampaign(campaign), rows -> rows.size() == 1).get(0);
        assertThat(abandoned.get("outcome")).isEqualTo("abandoned");
        TestStack.recordRequestId(abandoned.get("request_id").toString());
    }

    @Test
    void aBacklogOfRequestsWhoseCallersAreGoneCostsNoTwilioCall() throws Exception {
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            gone.add(TestStack.uniqueNumber("0123"));
        }
        String cached = TestStack.uniqueNumber("0042");
        assertThat(TestStack.lookUp(cached).statusCode()).isEqualTo(200);
        Instant longAgo = Instant.now().minusSeconds(30);
        List<String> requestIds = new ArrayList<>();
        for (String number : gone) {
            requestIds.add(produceRequest(number, longAgo));
        }
        String cachedRequest = produceRequest(cached, longAgo);

        awaitWorkersPast(Topics.LOOKUP_REQUESTS.name());

        for (String number : gone) {
            assertThat(TestStack.get().twilio().callsFor(number)).as("Twilio calls for a caller who is gone").isZero();
        }
        assertThat(TestStack.get().twilio().callsFor(cached)).isEqualTo(1);
        List<String> answered = new ArrayList<>();
        for (String topic : List.of(Topics.LOOKUP_RESULTS.name(), Topics.LOOKUP_FAILURES.name())) {
            TopicContents.read(topic).stream().map(ConsumerRecord::value).filter(java.util.Objects::nonNull)
                    .forEach(answered::add);
        }
        assertThat(answered).noneMatch(result -> requestIds.stream().anyMatch(result::contains));
        assertThat(answered).anyMatch(result -> result.contains(cachedRequest) && result.contains("\"from_cache\":true"));
    }

    @Test
    void anInteractiveLookupTakesOverANumberBulkWorkHasClaimedButNotYetCalledTwilioFor() throws Exception {
        String number = TestStack.uniqueNumber("0123");
        UUID prewarmOwner = UUID.randomUUID();
        // A prewarm lookup holds the number while it waits for rate budget.
        try (Connection db = TestStack.database(); PreparedStatement claim = db.prepareStatement("""
                INSERT INTO lookup_claims (number_hash, owner, bulk, calling, claimed_until)
                VALUES (?, ?, true, false, clock_timestamp() + interval '60 seconds')""")) {
            claim.setString(1, TestStack.protection().hash(number));
            claim.setObject(2, prewarmOwner);
            claim.executeUpdate();
        }

        long started = System.nanoTime();
        HttpResponse<String> response = TestStack.lookUp(number);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(TestStack.get().twilio().callsFor(number)).isEqualTo(1);
        try (Connection db = TestStack.database(); PreparedStatement left = db.prepareStatement(
                "SELECT count(*) FROM lookup_claims WHERE number_hash = ?")) {
            left.setString(1, TestStack.protection().hash(number));
            var rows = left.executeQuery();
            rows.next();
            assertThat(rows.getInt(1)).as("the interactive lookup released the claim it took over").isZero();
        }
    }

    @Test
    void aStormOfRateLimitAnswersSlowsTheWholeAccountDownUntilItRecovers() throws Exception {
        AccountRateLimiter limiter = TestStack.get().workers().get(0).getBean(AccountRateLimiter.class);
        TestStack.get().awaitTwilioRate(Duration.ofSeconds(60));
        List<CompletableFuture<HttpResponse<String>>> limited = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String number = TestStack.uniqueNumber("4290");
            limited.add(CompletableFuture.supplyAsync(() -> TestStack.lookUp(number), CALLERS));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> limiter.currentRate() < 13);
        limited.forEach(call -> assertThat(call.join().statusCode()).isEqualTo(503));

        // The storm is over: the rate climbs back by itself, one call per second each second.
        double cut = limiter.currentRate();
        await().atMost(Duration.ofSeconds(10)).until(() -> limiter.currentRate() >= Math.min(25, cut + 2));
        TestStack.get().awaitTwilioRate(Duration.ofSeconds(60));
    }

    @Test
    void aGatewayReceivesResultsFromTheMomentItIsReady() {
        ConfigurableApplicationContext gateway = TestStack.get().startGateway(0, 0);
        try {
            long started = System.nanoTime();
            HttpResponse<String> first = Traffic.lookUp(DevStack.baseUrl(gateway), TestStack.get().lookupToken(),
                    TestStack.uniqueNumber("0042"));
            assertThat(first.statusCode()).isEqualTo(200);
            // From its result, not from PostgreSQL once its 5 s wait for a result that never came ran out.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
        finally {
            gateway.close();
        }
    }

    /** Produces an interactive request as a gateway would have, for a caller who stopped waiting. */
    private static String produceRequest(String number, Instant requestedAt) {
        ProtectedNumber protectedNumber = TestStack.protection().protect(number);
        String requestId = UUID.randomUUID().toString();
        LookupRequest request = new LookupRequest(requestId, protectedNumber.hash(), protectedNumber.ciphertext(),
                protectedNumber.last4(), LookupRequest.Origin.INTERACTIVE, null, requestedAt, requestedAt.plusSeconds(5));
        Traffic.produce(TestStack.get(), Topics.LOOKUP_REQUESTS.name(), protectedNumber.hash(), MessageCodec.encode(request));
        return requestId;
    }

    /** Until the workers have committed every request on the topic as done. */
    private static void awaitWorkersPast(String topic) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestStack.get().kafkaBootstrapServers());
        try (Admin admin = Admin.create(config)) {
            Collection<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            admin.listOffsets(partitions.stream().collect(java.util.stream.Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get().forEach((partition, info) -> ends.put(partition, info.offset()));
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                var committed = admin.listConsumerGroupOffsets("spamcheck-lookup-worker").partitionsToOffsetAndMetadata()
                        .get();
                return ends.entrySet().stream().allMatch(end -> end.getValue() == 0
                        || (committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() >= end.getValue()));
            });
        }
    }
}
