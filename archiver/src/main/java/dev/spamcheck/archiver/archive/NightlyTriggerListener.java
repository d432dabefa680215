package dev.spamcheck.archiver.archive;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.keys.KeyRotation;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Runs the nightly job, or a key rotation, for each trigger. The trigger's offset is committed only when the job is
 * done, so a job that failed, or was interrupted by a crash or a stop, is triggered again and
 * resumes.
 */
@Component
class NightlyTriggerListener {

    private static final Logger log = LoggerFactory.getLogger(NightlyTriggerListener.class);

    private final MessageCodec codec;
    private final NightlyJob job;
    private final KeyRotation keyRotation;

    NightlyTriggerListener(MessageCodec codec, NightlyJob job, KeyRotation keyRotation) {
        this.codec = codec;
        this.job = job;
        this.keyRotation = keyRotation;
    }

    @KafkaListener(id = "archive-triggers", topics = Topics.ARCHIVE_TRIGGERS, groupId = "spamcheck-archiver",
            containerFactory = "nightlyTriggerContainerFactory")
    void onTrigger(String json) throws Exception {
        NightlyTrigger trigger;
        try {
            trigger = codec.decode(json, NightlyTrigger.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping an archive trigger that cannot be read: {}", ex.getMessage());
            return;
        }
        switch (trigger.job()) {
            case NIGHTLY -> job.run(trigger);
            case KEY_ROTATION -> keyRotation.run(trigger);
        }
    }
}
