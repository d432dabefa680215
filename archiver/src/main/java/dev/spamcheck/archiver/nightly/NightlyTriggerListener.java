package dev.spamcheck.archiver.nightly;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.keys.KeyRotation;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Runs the nightly job, or a key rotation, for each trigger. The trigger's offset is committed only
 * when the job is done, so a job that failed, or was interrupted by a crash or a stop, is triggered
 * again and resumes.
 */
@Component
class NightlyTriggerListener {

    private final NightlyJob job;
    private final KeyRotation keyRotation;

    NightlyTriggerListener(NightlyJob job, KeyRotation keyRotation) {
        this.job = job;
        this.keyRotation = keyRotation;
    }

    // A job holds its poll for up to an hour: only this listener's consumer may take that long.
    @KafkaListener(id = "archive-triggers", topics = Topics.Names.ARCHIVE_TRIGGERS, groupId = "spamcheck-archiver",
            containerFactory = "maintenanceTriggerContainerFactory",
            properties = {"max.poll.interval.ms=3600000", "max.poll.records=1"})
    void onTrigger(MaintenanceTrigger trigger) throws Exception {
        switch (trigger.job()) {
            case NIGHTLY -> job.run(trigger);
            case KEY_ROTATION -> keyRotation.run(trigger);
        }
    }
}
