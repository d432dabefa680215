package dev.spamcheck.archiver.nightly;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Triggers the nightly job at {@code spamcheck.nightly.cron} in {@code spamcheck.nightly.zone}.
 * Every archiver instance triggers it; the job runs once per date all the same.
 */
@Component
class NightlyScheduler {

    private static final Logger log = LoggerFactory.getLogger(NightlyScheduler.class);

    private final TopicSender kafka;
    private final NightlyJob job;

    NightlyScheduler(TopicSender kafka, NightlyJob job) {
        this.kafka = kafka;
        this.job = job;
    }

    @Scheduled(cron = "${spamcheck.nightly.cron:0 0 2 * * *}", zone = "${spamcheck.nightly.zone:UTC}")
    void trigger() {
        MaintenanceTrigger trigger = MaintenanceTrigger.nightly(UUID.randomUUID().toString(), job.today(),
                Instant.now(), "scheduler");
        // Bounded: a broker that is away fails this night's trigger instead of holding the scheduler.
        kafka.sendAndWait(Topics.ARCHIVE_TRIGGERS, trigger.key(), trigger, Duration.ofSeconds(30));
        log.info("Nightly job {} triggered by the scheduler", trigger.jobDate());
    }
}
