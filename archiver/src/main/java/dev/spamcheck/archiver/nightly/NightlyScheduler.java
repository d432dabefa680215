package dev.spamcheck.archiver.nightly;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Triggers the nightly job at {@code spamcheck.nightly.cron} in {@code spamcheck.nightly.zone}.
 * Every archiver instance triggers it; the job runs once per date all the same. A night whose
 * trigger never went out (no archiver running at that minute, Kafka away) is caught up: every
 * {@link #CATCH_UP_EVERY}, a date whose time has passed by more than {@link #GRACE} without a
 * job started for it is triggered then. Spring's scheduler does not run a missed cron time late.
 */
@Component
class NightlyScheduler {

    static final Duration CATCH_UP_EVERY = Duration.ofMinutes(10);
    /** Time for the cron's trigger to reach a free archiver and start the job. */
    static final Duration GRACE = Duration.ofMinutes(15);

    private static final Logger log = LoggerFactory.getLogger(NightlyScheduler.class);

    private final TopicSender kafka;
    private final NightlyJob job;
    private final JobRuns runs;
    private final CronExpression cron;
    private final ZoneId zone;

    NightlyScheduler(TopicSender kafka, NightlyJob job, JobRuns runs, ArchiverProperties properties,
            SpamcheckProperties shared) {
        this.kafka = kafka;
        this.job = job;
        this.runs = runs;
        this.cron = "-".equals(properties.nightly().cron()) ? null : CronExpression.parse(properties.nightly().cron());
        this.zone = ZoneId.of(shared.nightly().zone());
    }

    @Scheduled(cron = "${spamcheck.nightly.cron:0 0 2 * * *}", zone = "${spamcheck.nightly.zone:UTC}")
    void trigger() {
        send(job.today(), "scheduler");
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT10M")
    void catchUp() {
        catchUp(Instant.now());
    }

    /** Triggers today's job if its time passed more than the grace ago and none has started. */
    void catchUp(Instant now) {
        if (cron == null) {
            return;
        }
        LocalDate today = job.today();
        ZonedDateTime due = cron.next(today.atStartOfDay(zone).minusNanos(1));
        if (due == null || !due.toLocalDate().equals(today) || now.isBefore(due.plus(GRACE).toInstant())
                || runs.started(today)) {
            return;
        }
        log.warn("Nightly job {} was due at {} and has not started; triggering it now", today, due);
        send(today, "scheduler (caught up)");
    }

    private void send(LocalDate date, String requestedBy) {
        MaintenanceTrigger trigger = MaintenanceTrigger.nightly(UUID.randomUUID().toString(), date, Instant.now(),
                requestedBy);
        // Bounded: a broker that is away fails this trigger instead of holding the scheduler; the
        // catch-up sends it again.
        kafka.sendAndWait(Topics.ARCHIVE_TRIGGERS, trigger.key(), trigger, Duration.ofSeconds(30));
        log.info("Nightly job {} triggered by the {}", trigger.jobDate(), requestedBy);
    }
}
