package dev.spamcheck.devstack.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.spamcheck.devstack.DevStack;
import dev.spamcheck.devstack.ServiceProcess;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * A gateway's heap with its answer view full: a gateway in a process of its own, with the
 * Kubernetes manifests' heap (56 % of its 1 GiB, -Xmx573m), reads a million fresh results written to
 * the results topic, and its live heap is measured before and after. Run last: the other services
 * read those results too.
 */
final class ViewMemory {

    static final int NUMBERS = 1_000_000;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** @param before the gateway as it started, its view warmed from the earlier sections' results ({@code sizeBefore}) */
    record Report(Memory before, long sizeBefore, Memory full, long viewSize, Duration fillTime) {
    }

    private ViewMemory() {
    }

    static Report measure(DevStack stack) throws Exception {
        try (ServiceProcess gateway = stack.startGatewayProcess(Map.of())) {
            Memory before = Memory.of(gateway);
            long sizeBefore = viewSize(gateway);
            long started = System.nanoTime();
            publishFreshResults(stack);
            long size = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (size < NUMBERS && System.nanoTime() < deadline && gateway.isAlive()) {
                Thread.sleep(500);
                size = viewSize(gateway);
            }
            Duration fill = Duration.ofNanos(System.nanoTime() - started);
            if (!gateway.isAlive()) {
                throw new IllegalStateException("The gateway died filling its answer view (out of memory?)");
            }
            return new Report(before, sizeBefore, Memory.of(gateway), size, fill);
        }
    }

    private static void publishFreshResults(DevStack stack) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        Instant now = Instant.now();
        byte[] hash = new byte[32];
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < NUMBERS; i++) {
                ThreadLocalRandom.current().nextBytes(hash);
                String numberHash = HexFormat.of().formatHex(hash);
                LookupResult result = new LookupResult(UUID.randomUUID().toString(), numberHash, "v1.k1.bench",
                        "0000", LookupResult.Outcome.SCORED, i % 2, now, null, false, LookupRequest.Origin.PREWARM,
                        null);
                producer.send(new ProducerRecord<>(Topics.LOOKUP_RESULTS.name(), numberHash,
                        MessageCodec.encode(result)));
            }
            producer.flush();
        }
    }

    private static long viewSize(ServiceProcess gateway) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl()
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return (long) metrics.lines().filter(line -> line.startsWith("spamcheck_gateway_answer_view_size"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    static String markdown(Report report) {
        return """

                ## Memory with a full answer view

                A gateway in a process of its own with the manifests' heap (56 %% of its 1 GiB
                limit, `-Xmx573m`) reads %,d fresh results written to
                `spamcheck.lookup.results` at once. Its resident set with the full view must stay
                within the 1 GiB limit.

                | | live heap | heap committed | resident |
                |---|---|---|---|
                | as it started: %,d numbers in the view, warmed from the earlier sections' results | %s | %s | %s |
                | %,d numbers in the view (after %d s) | %s | %s | %s |
                """.formatted(NUMBERS, report.sizeBefore(), Memory.mib(report.before().heapLiveBytes()),
                Memory.mib(report.before().heapCommittedBytes()), Memory.mib(report.before().residentBytes()),
                report.viewSize(), report.fillTime().toSeconds(), Memory.mib(report.full().heapLiveBytes()),
                Memory.mib(report.full().heapCommittedBytes()), Memory.mib(report.full().residentBytes()));
    }
}
