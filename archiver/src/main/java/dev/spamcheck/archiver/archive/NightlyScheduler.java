package dev.spamcheck.archiver.archive;

import java.sql.Date;
import java.time.Instant;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Triggers the nightly job at {@code spamcheck.nightly.cron} in {@code spamcheck.nightly.zone}.
 * Every archiver instance triggers it; the job runs once per date all the same.
 */
@Component
class NightlyScheduler {

    private static final Logger log = LoggerFactory.getLogger(NightlyScheduler.class);

    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;
    private final JdbcTemplate jdbc;
    private final ArchiverProperties properties;

    NightlyScheduler(KafkaTemplate<String, String> kafka, MessageCodec codec, JdbcTemplate jdbc,
            ArchiverProperties properties) {
        this.kafka = kafka;
        this.codec = codec;
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Scheduled(cron = "${spamcheck.nightly.cron:0 0 2 * * *}", zone = "${spamcheck.nightly.zone:UTC}")
    void trigger() throws Exception {
        // The date comes from the database clock, in the job's time zone.
        Date today = jdbc.queryForObject("SELECT (now() AT TIME ZONE ?)::date", Date.class,
                properties.nightly().zone());
        NightlyTrigger trigger = new NightlyTrigger(UUID.randomUUID().toString(), today.toLocalDate(), Instant.now(),
                "scheduler");
        kafka.send(Topics.ARCHIVE_TRIGGERS, trigger.key(), codec.encode(trigger)).get();
        log.info("Nightly job {} triggered by the scheduler", trigger.jobDate());
    }
}
