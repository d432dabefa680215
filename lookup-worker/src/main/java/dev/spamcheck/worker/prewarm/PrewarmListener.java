package dev.spamcheck.worker.prewarm;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.annotation.PreDestroy;

import org.apache.kafka.clients.consumer.ConsumerConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.lookup.LookupProcessor;
import dev.spamcheck.worker.lookup.LookupResultPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bulk prewarm: campaign tools write {@code {"phone_number": "+1…", "campaign_id": "…"}} to
 * {@link Topics#LOOKUP_PREWARM} in plaintext (the archiver's nightly re-checks arrive there as
 * lookup requests, protected), usually without a key, so one partition can hold a
 * whole campaign. Entries are therefore taken a batch at a time and looked up in parallel
 * ({@code spamcheck.prewarm-concurrency} at once per worker); claims keep two lookups of one
 * number from running together. Each lookup only uses rate budget interactive traffic leaves
 * free. Invalid entries are counted, logged masked and skipped; an entry that fails is logged and
 * skipped too, so nothing holds up the partition. The batch is committed when all its entries are
 * done.
 */
@Component
class PrewarmListener {

    private static final Logger log = LoggerFactory.getLogger(PrewarmListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final PhoneNumberRules rules;
    private final NumberProtection protection;
    private final LookupProcessor processor;
    private final LookupResultPublisher publisher;
    private final MessageCodec codec;
    private final Counter invalid;
    private final ExecutorService lookups;

    PrewarmListener(PhoneNumberRules rules, NumberProtection protection, LookupProcessor processor,
            LookupResultPublisher publisher, MessageCodec codec, MeterRegistry meters, WorkerProperties properties) {
        this.codec = codec;
        this.rules = rules;
        this.protection = protection;
        this.processor = processor;
        this.publisher = publisher;
        this.invalid = Counter.builder("spamcheck.prewarm.invalid").description("Prewarm entries skipped as invalid")
                .register(meters);
        this.lookups = Executors.newFixedThreadPool(properties.prewarmConcurrency(), runnable -> {
            Thread thread = new Thread(runnable, "prewarm-lookup");
            thread.setDaemon(true);
            return thread;
        });
    }

    @KafkaListener(id = "lookup-prewarm", topics = Topics.LOOKUP_PREWARM, groupId = "spamcheck-prewarm",
            containerFactory = "prewarmBatchContainerFactory",
            properties = ConsumerConfig.MAX_POLL_RECORDS_CONFIG + "=500")
    void onEntries(List<String> entries) {
        List<Future<?>> running = new ArrayList<>(entries.size());
        for (String entry : entries) {
            running.add(lookups.submit(() -> {
                try {
                    onEntry(entry);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                catch (Exception ex) {
                    log.warn("Prewarm entry skipped after an error: {}", ex.getClass().getSimpleName());
                }
            }));
        }
        for (Future<?> lookup : running) {
            try {
                lookup.get();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            catch (ExecutionException ex) {
                log.warn("Prewarm entry skipped after an error: {}", ex.getCause().getClass().getSimpleName());
            }
        }
    }

    @PreDestroy
    void stop() {
        lookups.shutdownNow();
    }

    private void onEntry(String json) throws Exception {
        String phoneNumber;
        String campaignId;
        try {
            JsonNode entry = JSON.readTree(json);
            if (entry.has("number_hash")) {
                // A nightly re-check: the archiver sends the number protected, never in plaintext.
                LookupRequest recheck = codec.decode(json, LookupRequest.class);
                publisher.publish(processor.process(recheck));
                return;
            }
            phoneNumber = entry.path("phone_number").isString() ? entry.path("phone_number").asString() : null;
            campaignId = entry.path("campaign_id").isString() ? entry.path("campaign_id").asString() : null;
        }
        catch (JacksonException | MessageCodec.MalformedMessageException ex) {
            skip("not a prewarm entry", null);
            return;
        }
        String e164;
        try {
            e164 = rules.requireValid(phoneNumber);
        }
        catch (InvalidPhoneNumberException ex) {
            skip(ex.getMessage(), phoneNumber);
            return;
        }
        if (campaignId != null && campaignId.length() > 64) {
            campaignId = campaignId.substring(0, 64);
        }
        ProtectedNumber number = protection.protect(e164);
        LookupRequest request = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.PREWARM, campaignId, Instant.now());
        LookupResult result = processor.process(request);
        publisher.publish(result);
    }

    private void skip(String reason, String input) {
        invalid.increment();
        String masked = input == null || input.length() < 4 ? "***" : "***" + input.substring(input.length() - 4);
        log.warn("Skipping prewarm entry {}: {}", masked, reason);
    }
}
