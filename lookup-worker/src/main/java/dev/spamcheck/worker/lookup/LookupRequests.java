package dev.spamcheck.worker.lookup;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.Topics;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer;
import dev.spamcheck.worker.consumer.KeyOrderedConsumer.RecordHandler;

/**
 * Takes lookup requests and publishes their results. Requests for one number (one key) are
 * handled one after the other; requests for different numbers at once, up to
 * {@code spamcheck.lookup-concurrency}, so a slow number never holds up the others, the clients
 * (tokens) that asked taking turns, so one client's burst never holds up the others either. A
 * request is done once Kafka has its result (a paid answer's result is sent until it does), and its
 * offset is committed only after it and every request before it on its partition is done.
 */
@Configuration(proxyBeanMethods = false)
class LookupRequests {

    static final String GROUP = "spamcheck-lookup-worker";
    private static final Logger log = LoggerFactory.getLogger(LookupRequests.class);

    @Bean
    KeyOrderedConsumer<LookupRequest> lookupRequestConsumer(ConsumerFactory<String, LookupRequest> consumers,
            LookupProcessor processor, LookupResultPublisher publisher, DeadLetters deadLetters,
            WorkerProperties properties, MeterRegistry meters,
            @Value("${spring.kafka.listener.auto-startup:true}") boolean autoStartup) {
        Stages stages = new Stages(meters);
        KeyOrderedConsumer<LookupRequest> consumer = new KeyOrderedConsumer<>(consumers, Topics.LOOKUP_REQUESTS,
                GROUP, record -> handle(record, processor, publisher, stages), deadLetters,
                properties.lookupConcurrency(), LookupRequest::client, autoStartup);
        Gauge.builder("spamcheck.lookup.unpublished", consumer, KeyOrderedConsumer::awaitingRecords)
                .description("Lookup requests whose results Kafka has not yet taken; their offsets wait for them")
                .register(meters);
        return consumer;
    }

    private static CompletionStage<?> handle(ConsumerRecord<String, LookupRequest> record,
            LookupProcessor processor, LookupResultPublisher publisher, Stages stages) {
        LookupRequest request = record.value();
        long started = System.nanoTime();
        stages.queued().record(Math.max(0, System.currentTimeMillis() - record.timestamp()), TimeUnit.MILLISECONDS);
        Optional<LookupResult> result;
        try {
            result = processor.process(request);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return RecordHandler.DONE;
        }
        catch (Exception ex) {
            // The caller gets its 503 at its deadline; a paid answer is in the cache already.
            log.error("Lookup {} for ***{} failed: {}", request.requestId(), request.last4(),
                    ex.getClass().getSimpleName());
            return RecordHandler.DONE;
        }
        if (result.isEmpty()) {
            return RecordHandler.DONE;
        }
        LookupResult published = result.get();
        // The thread goes on to the next request; the request is done once Kafka has its result.
        return publisher.publishAsync(published).whenComplete((acknowledged, failure) -> {
            if (failure != null) {
                log.error("Lookup {} for ***{}: result not published ({})", request.requestId(), request.last4(),
                        failure.getClass().getSimpleName());
                return;
            }
            stages.handled().record(Duration.ofNanos(System.nanoTime() - started));
            log.info("Lookup {} for ***{}: {}{}{}", request.requestId(), request.last4(),
                    published.outcome().name().toLowerCase(Locale.ROOT),
                    published.spamScore() == null ? "" : " score=" + published.spamScore(),
                    published.fromCache() ? " (cached)" : "");
        });
    }

    /**
     * Where an interactive lookup's time goes in the worker (bulk lookups come from the prewarm
     * topic, not through here), beside the Twilio call's own timers: waiting to be taken (from the
     * gateway's send, by the record's timestamp, so across hosts it includes their clocks'
     * difference) and being handled until the result is acknowledged by Kafka.
     */
    private record Stages(Timer queued, Timer handled) {

        Stages(MeterRegistry meters) {
            this(Timer.builder("spamcheck.lookup.queued").register(meters),
                    Timer.builder("spamcheck.lookup.handled").register(meters));
        }
    }
}
