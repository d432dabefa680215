package dev.spamcheck.archiver.archive;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Receives nightly triggers. The maintenance itself (re-checks, archiving, purging; issue 5) is
 * not built yet, so a trigger is only acknowledged in the log: nothing is archived or purged.
 */
@Component
class NightlyTriggerListener {

    private static final Logger log = LoggerFactory.getLogger(NightlyTriggerListener.class);

    private final MessageCodec codec;

    NightlyTriggerListener(MessageCodec codec) {
        this.codec = codec;
    }

    @KafkaListener(id = "archive-triggers", topics = Topics.ARCHIVE_TRIGGERS, groupId = "spamcheck-archiver")
    void onTrigger(String json) {
        try {
            NightlyTrigger trigger = codec.decode(json, NightlyTrigger.class);
            log.warn("Nightly trigger {} for {} received, but nightly maintenance is not implemented yet",
                    trigger.triggerId(), trigger.jobDate());
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a nightly trigger that cannot be read: {}", ex.getMessage());
        }
    }
}
