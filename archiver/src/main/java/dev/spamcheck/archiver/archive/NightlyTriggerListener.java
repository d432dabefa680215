package dev.spamcheck.archiver.archive;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Runs the nightly job for each trigger. The trigger's offset is committed only when the job is
 * done, so a job interrupted by a crash or a stop is triggered again and resumes.
 */
@Component
class NightlyTriggerListener {

    private static final Logger log = LoggerFactory.getLogger(NightlyTriggerListener.class);

    private final MessageCodec codec;
    private final NightlyJob job;

    NightlyTriggerListener(MessageCodec codec, NightlyJob job) {
        this.codec = codec;
        this.job = job;
    }

    @KafkaListener(id = "archive-triggers", topics = Topics.ARCHIVE_TRIGGERS, groupId = "spamcheck-archiver")
    void onTrigger(String json) throws Exception {
        NightlyTrigger trigger;
        try {
            trigger = codec.decode(json, NightlyTrigger.class);
        }
        catch (MessageCodec.MalformedMessageException ex) {
            log.warn("Skipping a nightly trigger that cannot be read: {}", ex.getMessage());
            return;
        }
        job.run(trigger);
    }
}
