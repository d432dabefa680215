package dev.spamcheck.gateway.audit;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.AuditEvent;

/** A producer that keeps what is sent and lets the test decide when, and whether, Kafka acknowledges it. */
final class RecordingKafka extends KafkaTemplate<String, Object> {

    final List<AuditEvent> sent = new CopyOnWriteArrayList<>();
    final List<Optional<String>> keys = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<SendResult<String, Object>>> acknowledgements = new CopyOnWriteArrayList<>();

    RecordingKafka() {
        super(new DefaultKafkaProducerFactory<>(Map.of()));
    }

    @Override
    public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
        sent.add((AuditEvent) data);
        keys.add(Optional.ofNullable(key));
        CompletableFuture<SendResult<String, Object>> acknowledged = new CompletableFuture<>();
        acknowledgements.add(acknowledged);
        return acknowledged;
    }

    /** Acknowledges the n-th send from a thread named like the producer's network thread. */
    void acknowledge(int n) {
        Thread kafkaThread = new Thread(() -> acknowledgements.get(n).complete(null),
                "kafka-producer-network-thread | spamcheck-test");
        kafkaThread.start();
    }

    void refuse(int n) {
        acknowledgements.get(n).completeExceptionally(new org.apache.kafka.common.errors.RecordTooLargeException("refused"));
    }

    AuditTrail trail() {
        return new AuditTrail(new TopicSender(this), paths());
    }

    static AuditPaths paths() {
        return new AuditPaths(new RequestMappingHandlerMapping(), List.of());
    }
}
