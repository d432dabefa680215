package dev.spamcheck.schemas.kafka;

import java.time.Duration;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer.HeaderNames.HeadersToAdd;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one policy for a record a consumer cannot handle for good (unreadable, or refused for what it
 * holds): it is moved, as it arrived, to {@code <topic>.dlt} (Spring Kafka's
 * {@link DeadLetterPublishingRecoverer}), counted in {@value #METRIC} tagged with its topic, and
 * logged without its content; its neighbours carry on. Every listener container uses
 * {@link #errorHandler}, the key-ordered consumer calls {@link #accept} itself, and the Streams
 * applications do the same through {@link DeadLetterDeserializationHandler}.
 * <p>
 * The dead letter keeps the class names of the exception and its cause in its headers, never the
 * messages or the stack trace: a message can quote the record, and the prewarm topic's records hold
 * numbers in plaintext.
 */
public class DeadLetters implements ConsumerRecordRecoverer {

    /** Records moved to a dead-letter topic, tagged {@code topic} (the source topic). */
    public static final String METRIC = "spamcheck.kafka.dead.letters";

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(DeadLetters.class);

    private final DeadLetterPublishingRecoverer publisher;
    private final MeterRegistry meters;

    public DeadLetters(KafkaOperations<?, ?> kafka, MeterRegistry meters) {
        this.meters = meters;
        this.publisher = new DeadLetterPublishingRecoverer(kafka,
                (record, ex) -> new TopicPartition(record.topic() + Topics.DEAD_LETTER_SUFFIX, -1));
        publisher.excludeHeader(HeadersToAdd.EX_MSG, HeadersToAdd.EX_STACKTRACE);
        publisher.setLogRecoveryRecord(false);
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Exception failure) {
        accept(record, null, failure);
    }

    /** Moves the record to its dead-letter topic and counts it; fails when Kafka does not take it. */
    public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception failure) {
        // Counted and logged once Kafka has it: a send that fails is tried again with the record,
        // and each try would otherwise count and log a move that did not happen.
        publisher.accept(record, consumer, failure);
        count(record.topic());
        log.warn("Record {}-{}@{} moved to {}{}: {}", record.topic(), record.partition(), record.offset(),
                record.topic(), Topics.DEAD_LETTER_SUFFIX, reason(failure));
    }

    /** Counts a record of {@code topic} moved to its dead-letter topic by other means (Streams). */
    public static void count(MeterRegistry meters, String topic) {
        Counter.builder(METRIC)
                .description("Records moved to their topic's dead-letter topic (<topic>.dlt)")
                .tag("topic", topic)
                .register(meters)
                .increment();
    }

    /**
     * The error handler of a listener container: a record that fails is retried with
     * {@code backOff} (the listener is told which attempt it is), unless it is unreadable or its
     * failure is one of {@code notRetryable}: then, or when the back-off runs out, it goes to its
     * dead-letter topic.
     */
    @SafeVarargs
    public final DefaultErrorHandler errorHandler(BackOff backOff, Class<? extends Exception>... notRetryable) {
        DefaultErrorHandler handler = new DefaultErrorHandler(this::accept, backOff);
        handler.addNotRetryableExceptions(notRetryable);
        // The container would log each failure with its stack trace, whose messages may quote the
        // record; this class logs what it may.
        handler.setLogLevel(KafkaException.Level.DEBUG);
        // ...but a record retried until done must not be retried in silence: an operator learns
        // which one, and why, on its first failure and every tenth after.
        handler.setRetryListeners((record, failure, attempt) -> {
            if (attempt == 1 || attempt % 10 == 0) {
                log.warn("Record {}-{}@{} failed (attempt {}), tried again: {}", record.topic(), record.partition(),
                        record.offset(), attempt, reason(failure));
            }
        });
        return handler;
    }

    /**
     * Until it succeeds, backing off from half a second to once every 30 seconds: for listeners
     * that store what they read, so a database that is away delays records but loses none.
     */
    public static BackOff untilDone() {
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2);
        backOff.setMaxInterval(Duration.ofSeconds(30).toMillis());
        return backOff;
    }

    /** The failure of a record whose value could not be deserialized; null when it could. */
    public static DeserializationException unreadable(ConsumerRecord<?, ?> record) {
        if (record.value() != null) {
            return null;
        }
        return SerializationUtils.getExceptionFromHeader(record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER,
                LOG_ACCESSOR);
    }

    /** Why, in words that never quote the record: the innermost cause's class, or its message when it is ours. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DeserializationException) {
                return "unreadable (" + NestedExceptionUtils.getMostSpecificCause(t).getClass().getSimpleName() + ")";
            }
            if (t instanceof SafeMessage) {
                return t.getMessage();
            }
        }
        return NestedExceptionUtils.getMostSpecificCause(failure).getClass().getSimpleName();
    }

    private void count(String topic) {
        count(meters, topic);
    }

    /** An exception whose message holds nothing from the record, so it may be logged. */
    public interface SafeMessage {
    }
}
