package dev.spamcheck.archiver.webhooks;

import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.ReputationChange;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Queues every committed reputation change for the subscriptions that want it. Its offset is
 * committed after the rows are, so a crash re-reads the change and the table's uniqueness keeps
 * one delivery per change and subscription: nothing lost, nothing doubled.
 */
@Component
class ChangeFanOut {

    private static final Logger log = LoggerFactory.getLogger(ChangeFanOut.class);

    private final MessageCodec codec;
    private final DeliveryQueue queue;
    private final WebhookDispatcher dispatcher;

    ChangeFanOut(MessageCodec codec, DeliveryQueue queue, WebhookDispatcher dispatcher) {
        this.codec = codec;
        this.queue = queue;
        this.dispatcher = dispatcher;
    }

    // read_committed: the changes processor writes in transactions; an aborted one never happened.
    @KafkaListener(id = "webhook-fan-out", topics = Topics.REPUTATION_CHANGES, groupId = "spamcheck-webhooks",
            containerFactory = "untilStoredContainerFactory",
            properties = "isolation.level=read_committed")
    void onChange(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return;
        }
        ReputationChange change;
        try {
            change = codec.decode(record.value(), ReputationChange.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a reputation change that cannot be read (partition {}, offset {})", record.partition(),
                    record.offset());
            return;
        }
        if (queue.enqueue(change, Instant.ofEpochMilli(record.timestamp())) > 0) {
            dispatcher.dispatch();
        }
    }
}
