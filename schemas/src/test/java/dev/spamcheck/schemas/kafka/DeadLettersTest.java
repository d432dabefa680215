package dev.spamcheck.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListenerContainer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

@ExtendWith(OutputCaptureExtension.class)
class DeadLettersTest {

    @Test
    void aRecordRetriedUntilDoneIsNotRetriedInSilence(CapturedOutput output) {
        DefaultErrorHandler handler = new DeadLetters(mock(KafkaOperations.class), new SimpleMeterRegistry())
                .errorHandler(DeadLetters.untilDone());
        ConsumerRecord<String, String> record = new ConsumerRecord<>("spamcheck.reputation.changes", 3, 42L, "k",
                "{\"phone_number\": \"+12125550123\"}");

        boolean handled = handler.handleOne(new DataIntegrityViolationException("null value in +12125550123"), record,
                mock(Consumer.class), mock(MessageListenerContainer.class));

        assertThat(handled).as("retried, not dead-lettered").isFalse();
        assertThat(output).contains("Record spamcheck.reputation.changes-3@42 failed (attempt 1), tried again: "
                + "DataIntegrityViolationException").doesNotContain("2125550123");
    }

    @Test
    void aRecordKafkaDoesNotTakeIsNeitherCountedNorLoggedAsMoved(CapturedOutput output) {
        @SuppressWarnings("unchecked")
        KafkaOperations<Object, Object> kafka = mock(KafkaOperations.class);
        when(kafka.send(any(ProducerRecord.class)))
                .thenReturn(CompletableFuture.failedFuture(new KafkaException("the dead-letter topic has no leader")));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DeadLetters deadLetters = new DeadLetters(kafka, meters);
        ConsumerRecord<String, String> record = new ConsumerRecord<>("spamcheck.audit.events", 0, 7L, null, "{");

        assertThatThrownBy(() -> deadLetters.accept(record, new IllegalStateException("unreadable")))
                .hasMessageStartingWith("Dead-letter publication to spamcheck.audit.events.dlt failed");

        assertThat(meters.find(DeadLetters.METRIC).counter()).as("nothing counted").isNull();
        assertThat(output).doesNotContain("moved to spamcheck.audit.events.dlt");
    }
}
