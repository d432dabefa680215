package dev.spamcheck.schemas.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
}
