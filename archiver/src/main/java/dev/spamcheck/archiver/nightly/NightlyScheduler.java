package dev.spamcheck.archiver.nightly;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
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
 * job started for it is triggered then. Spring's scheduler does not run a missed cron time late,
 * nor one that a daylight-saving change skips.
 */
@Component
class NightlyScheduler {

    static final Duration CATCH_UP_EVERY = Duration.ofMinutes(10);
    /** Time for the cron's trigger to reach a free archiver and start the job. */
    static final Duration GRACE = Duration.ofMinutes(15);
    /** How long a caught-up trigger is given to start its job before another is sent. */
    static final Duration CATCH_UP_AGAIN_AFTER = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(NightlyScheduler.class);

    private final TopicSender kafka;
    private final NightlyJob job;
    private final JobRuns runs;
    private final CronExpression cron;
    private final ZoneId zone;
    private volatile CaughtUp caughtUp;

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

    /**
     * Triggers today's job if its time passed more than the grace ago and none has started, at most
     * once an {@link #CATCH_UP_AGAIN_AFTER}: a trigger sent may wait its turn on the one-partition
     * topic (behind a long key rotation), and one more each time would only queue up.
     */
    void catchUp(Instant now) {
        if (cron == null) {
            return;
        }
        LocalDate today = job.today();
        ZonedDateTime due = dueOn(cron, today, zone);
        if (due == null || now.isBefore(due.plus(GRACE).toInstant()) || runs.started(today)) {
            return;
        }
        CaughtUp last = caughtUp;
        if (last != null && last.date().equals(today) && now.isBefore(last.at().plus(CATCH_UP_AGAIN_AFTER))) {
            return;
        }
        log.warn("Nightly job {} was due at {} and has not started; triggering it now", today, due);
        send(today, "scheduler (caught up)");
        caughtUp = new CaughtUp(today, now);
    }

    /**
     * When the cron fires on {@code day} in {@code zone}, or null when it does not that day. A time
     * in a daylight-saving gap (the default 02:00 on a spring-forward night in most US and EU
     * zones) is taken as the moment the gap ends: Spring's scheduler skips such a time, and
     * resolving it in the zone would find tomorrow's, so without this that night would never run.
     */
    static ZonedDateTime dueOn(CronExpression cron, LocalDate day, ZoneId zone) {
        LocalDateTime next = cron.next(day.atStartOfDay().minusNanos(1));
        return next == null || !next.toLocalDate().equals(day) ? null : next.atZone(zone);
    }

    /** The date this instance last caught up, and when. */
    private record CaughtUp(LocalDate date, Instant at) {
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
