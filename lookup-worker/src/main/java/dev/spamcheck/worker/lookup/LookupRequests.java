package dev.spamcheck.worker.lookup;

import java.util.Locale;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;

/**
 * Takes lookup requests and publishes their results. Requests for one number (one key) are
 * handled one after the other; requests for different numbers at once, up to
 * {@code spamcheck.lookup-concurrency}, so a slow number never holds up the others, the clients
 * (tokens) that asked taking turns, so one client's burst never holds up the others either. A
 * request's offset is committed only after it and every request before it on its partition is done.
 */
@Configuration(proxyBeanMethods = false)
class LookupRequests {

    static final String GROUP = "spamcheck-lookup-worker";
    private static final Logger log = LoggerFactory.getLogger(LookupRequests.class);

    @Bean
    KeyOrderedConsumer<LookupRequest> lookupRequestConsumer(ConsumerFactory<String, LookupRequest> consumers,
            LookupProcessor processor, LookupResultPublisher publisher, DeadLetters deadLetters,
            WorkerProperties properties, @Value("${spring.kafka.listener.auto-startup:true}") boolean autoStartup) {
        return new KeyOrderedConsumer<>(consumers, Topics.LOOKUP_REQUESTS, GROUP,
                record -> handle(record, processor, publisher), deadLetters, properties.lookupConcurrency(),
                LookupRequest::client, autoStartup);
    }

    private static void handle(ConsumerRecord<String, LookupRequest> record, LookupProcessor processor,
            LookupResultPublisher publisher) {
        LookupRequest request = record.value();
        try {
            Optional<LookupResult> result = processor.process(request);
            if (result.isPresent()) {
                publisher.publish(result.get());
                log.info("Lookup {} for ***{}: {}{}{}", request.requestId(), request.last4(),
                        result.get().outcome().name().toLowerCase(Locale.ROOT),
                        result.get().spamScore() == null ? "" : " score=" + result.get().spamScore(),
                        result.get().fromCache() ? " (cached)" : "");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (Exception ex) {
            // The caller gets its 503 at its deadline; a paid answer is in the cache already.
            log.error("Lookup {} for ***{} failed: {}", request.requestId(), request.last4(),
                    ex.getClass().getSimpleName());
        }
    }
}
