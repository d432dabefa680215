package dev.spamcheck.schemas.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.support.KafkaHeaders;

import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@link DeadLetters}' policy for Kafka Streams applications: a record a topology cannot
 * deserialize is moved as it arrived to {@code <topic>.dlt} (one of the application's internal
 * topics: {@link Topics#deadLettersOf}), with Spring Kafka's
 * {@code kafka_dlt-*} headers saying where it came from, counted and logged without its content,
 * and the application carries on. Streams sends the dead letter itself, in the task's transaction
 * under exactly-once. Configured as {@code deserialization.exception.handler}, with the meter
 * registry under {@link #METER_REGISTRY}.
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    /** The Streams configuration entry that holds the {@link MeterRegistry} (an object, not a string). */
    public static final String METER_REGISTRY = "spamcheck.meter-registry";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private MeterRegistry meters;
    private String applicationId;

    @Override
    public void configure(Map<String, ?> configs) {
        this.meters = (MeterRegistry) configs.get(METER_REGISTRY);
        this.applicationId = String.valueOf(configs.get(StreamsConfig.APPLICATION_ID_CONFIG));
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception failure) {
        if (meters != null) {
            DeadLetters.count(meters, record.topic());
        }
        String deadLetters = Topics.deadLettersOf(record.topic());
        log.warn("Record {}-{}@{} moved to {}: unreadable ({})", record.topic(), record.partition(), record.offset(),
                deadLetters, NestedExceptionUtils.getMostSpecificCause(failure).getClass().getSimpleName());
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(KafkaHeaders.DLT_ORIGINAL_PARTITION, ByteBuffer.allocate(Integer.BYTES).putInt(record.partition()).array());
        headers.add(KafkaHeaders.DLT_ORIGINAL_OFFSET, ByteBuffer.allocate(Long.BYTES).putLong(record.offset()).array());
        headers.add(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP, ByteBuffer.allocate(Long.BYTES).putLong(record.timestamp()).array());
        headers.add(KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP, utf8(applicationId));
        headers.add(KafkaHeaders.DLT_EXCEPTION_FQCN, utf8(failure.getClass().getName()));
        return Response.resume(List.of(new ProducerRecord<>(deadLetters, null, record.key(), record.value(), headers)));
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
