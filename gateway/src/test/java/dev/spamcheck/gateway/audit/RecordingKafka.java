package dev.spamcheck.gateway.audit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.MessageCodec;

/** A producer that keeps what is sent and lets the test decide when, and whether, Kafka acknowledges it. */
final class RecordingKafka extends KafkaTemplate<String, String> {

    private static final MessageCodec CODEC = new MessageCodec();

    final List<AuditEvent> sent = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<SendResult<String, String>>> acknowledgements = new CopyOnWriteArrayList<>();

    RecordingKafka() {
        super(new DefaultKafkaProducerFactory<>(Map.of()));
    }

    @Override
    public CompletableFuture<SendResult<String, String>> send(String topic, String key, String data) {
        sent.add(CODEC.decode(data, AuditEvent.class));
        CompletableFuture<SendResult<String, String>> acknowledged = new CompletableFuture<>();
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
        return new AuditTrail(this, CODEC, paths());
    }

    static AuditPaths paths() {
        return new AuditPaths(new RequestMappingHandlerMapping());
    }
}
