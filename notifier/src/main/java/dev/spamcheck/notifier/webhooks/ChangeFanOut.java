package dev.spamcheck.notifier.webhooks;

import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Queues every committed reputation change for the subscriptions that want it. Its offset is
 * committed after the rows are, so a crash re-reads the change and the table's uniqueness keeps
 * one delivery per change and subscription: nothing lost, nothing doubled. A database that is away
 * is waited for by the shared error handler; an unreadable change goes to its dead-letter topic.
 */
@Component
class ChangeFanOut {

    private final DeliveryQueue queue;
    private final WebhookDispatcher dispatcher;

    ChangeFanOut(DeliveryQueue queue, WebhookDispatcher dispatcher) {
        this.queue = queue;
        this.dispatcher = dispatcher;
    }

    // The group id the archiver used before the notifier existed: an upgrade resumes where it stopped.
    @KafkaListener(id = "webhook-fan-out", topics = Topics.Names.REPUTATION_CHANGES, groupId = "spamcheck-webhooks")
    void onChange(ConsumerRecord<String, ReputationChange> record) {
        if (record.value() != null && queue.enqueue(record.value(), Instant.ofEpochMilli(record.timestamp())) > 0) {
            dispatcher.wakeUp();
        }
    }
}
