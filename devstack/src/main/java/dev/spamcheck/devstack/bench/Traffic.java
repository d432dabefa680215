package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.spamcheck.devstack.DevStack;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/** Callers of a devstack, as the benchmarks and the system tests drive it. */
public final class Traffic {

    private static final PhoneNumberRules US = new PhoneNumberRules(Set.of("US"));
    private static final Set<String> ISSUED = ConcurrentHashMap.newKeySet();
    private static final Set<String> REQUEST_IDS = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Traffic() {
    }

    /** A valid US number not handed out before in this JVM, ending in the given four digits. */
    public static String uniqueNumber(String lastFour) {
        while (true) {
            String number = "+1" + (200 + ThreadLocalRandom.current().nextInt(800)) + (200
                    + ThreadLocalRandom.current().nextInt(800)) + lastFour;
            try {
                US.requireValid(number);
            }
            catch (PhoneNumberRules.InvalidPhoneNumberException ex) {
                continue;
            }
            if (ISSUED.add(number)) {
                return number;
            }
        }
    }

    /** The request ids of every lookup sent, to find them in the audit trail. */
    public static Set<String> requestIds() {
        return Set.copyOf(REQUEST_IDS);
    }

    public static Set<String> issuedNumbers() {
        return Set.copyOf(ISSUED);
    }

    /** Asks for a number's spam score and returns the answer. */
    public static HttpResponse<String> lookUp(String baseUrl, String token, String number) {
        return send(lookUpRequest(baseUrl, token, number));
    }

    /** A spam score request, as a caller sends it. */
    public static HttpRequest lookUpRequest(String baseUrl, String token, String number) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/spam_score"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + number + "\"}"))
                .build();
    }

    /** Sends a request to a gateway, remembering its request id for the audit checks. */
    public static HttpResponse<String> send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            response.headers().firstValue("X-Request-Id").ifPresent(REQUEST_IDS::add);
            return response;
        }
        catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Writes prewarm entries as a campaign tool would: plaintext JSON, no key. */
    public static void prewarm(DevStack stack, List<String> entries) {
        produce(stack, entries.stream().map(entry -> new ProducerRecord<String, String>(Topics.LOOKUP_PREWARM.name(), entry))
                .toList());
    }

    /** Produces one record, as another producer of the topic would. */
    public static void produce(DevStack stack, String topic, String key, String value) {
        produce(stack, List.of(new ProducerRecord<>(topic, key, value)));
    }

    /** Produces the records again, as an operator replaying a topic would. */
    public static void replay(DevStack stack, String topic,
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> records) {
        produce(stack, records.stream().map(r -> new ProducerRecord<>(topic, r.key(), r.value())).toList());
    }

    private static void produce(DevStack stack, List<ProducerRecord<String, String>> records) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    public static String prewarmEntry(String number, String campaign) {
        return "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}";
    }

    /** The p-th percentile (0-100) of the values, nearest rank. */
    /**
     * Lookups of new numbers one after the other with the token, each one's time in milliseconds;
     * each answer's status goes to {@code statuses}.
     */
    public static List<Long> sequentialLookups(String gatewayUrl, String token, int count, List<Integer> statuses) {
        List<Long> millis = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = lookUp(gatewayUrl, token, uniqueNumber("0123"));
            millis.add((System.nanoTime() - started) / 1_000_000);
            statuses.add(response.statusCode());
        }
        return millis;
    }

    public static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** A new API token with the lookup role, made through the admin API. */
    public static String newLookupToken(DevStack stack, String gatewayUrl, String name) {
        return tokenOf(send(newLookupTokenRequest(stack, gatewayUrl, name)));
    }

    /** The admin API request that makes a new API token with the lookup role. */
    public static HttpRequest newLookupTokenRequest(DevStack stack, String gatewayUrl, String name) {
        return HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/v1/admin/tokens"))
                .header("Authorization", "Bearer " + stack.adminToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"" + name + "\", \"role\": \"lookup\"}")).build();
    }

    /** The token the admin API answered with. */
    public static String tokenOf(HttpResponse<String> created) {
        if (created.statusCode() != 201) {
            throw new IllegalStateException("Could not create a token: " + created.statusCode() + " " + created.body());
        }
        return MessageCodec.mapper().readTree(created.body()).get("token").asString();
    }
}
