package dev.spamcheck.archiver.nightly;

import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.archiver.Failures;
import dev.spamcheck.archiver.MaintenanceLifecycle;
import dev.spamcheck.archiver.SessionLocks;
import dev.spamcheck.archiver.nightly.JobRuns.JobRun;
import dev.spamcheck.archiver.nightly.JobRuns.Phase;
import dev.spamcheck.archiver.nightly.MaintenanceQueries.Recheck;
import dev.spamcheck.schemas.config.SpamcheckProperties;
import dev.spamcheck.schemas.kafka.TopicSender;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MaintenanceTrigger;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The nightly maintenance of one date: (1) re-check clean numbers that are still requested,
 * through the prewarm path; (2) move old check results to the history; (3) purge history, audit
 * rows and cached answers past retention, tombstoning purged numbers on the results topic. A
 * session advisory lock per date keeps two archivers from running it together; {@code job_runs}
 * keeps it from running twice and lets a job that was stopped or failed resume at the phase it had
 * reached. Stopping the archiver stops the job between two batches. A failure is recorded with its
 * reason, counted, and thrown, so the trigger is delivered again.
 */
@Component
class NightlyJob {

    private static final Logger log = LoggerFactory.getLogger(NightlyJob.class);

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);
    /** A claim's lease is seconds to minutes: one that ran out a day ago is a dead worker's. */
    private static final Duration CLAIMS_LAPSED = Duration.ofDays(1);

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final JobRuns runs;
    private final MaintenanceQueries queries;
    private final ResultTombstones tombstones;
    private final TopicSender kafka;
    private final TransactionTemplate transactions;
    private final ArchiverProperties properties;
    private final String zone;
    /** spamcheck.nightly.recheck-older-than, or the cache TTL if longer: a fresher answer is not looked up again. */
    private final Duration recheckOlderThan;
    private final Counter failures;
    private final MaintenanceLifecycle lifecycle;

    NightlyJob(DataSource dataSource, JdbcClient jdbc, JobRuns runs, MaintenanceQueries queries,
            ResultTombstones tombstones, TopicSender kafka, TransactionTemplate transactions,
            ArchiverProperties properties, SpamcheckProperties shared, MaintenanceLifecycle lifecycle,
            MeterRegistry meters) {
        this.lifecycle = lifecycle;
        this.dataSource = dataSource;
        this.jdbc = jdbc;
        this.runs = runs;
        this.queries = queries;
        this.tombstones = tombstones;
        this.kafka = kafka;
        this.transactions = transactions;
        this.properties = properties;
        this.zone = shared.nightly().zone();
        Duration configured = properties.nightly().recheckOlderThan();
        this.recheckOlderThan = configured.compareTo(shared.cacheTtl()) < 0 ? shared.cacheTtl() : configured;
        this.failures = Counter.builder("spamcheck.nightly.job.failures")
                .description("Nightly job attempts that failed; each is retried until the job completes")
                .register(meters);
    }

    void run(MaintenanceTrigger trigger) throws Exception {
        LocalDate date = trigger.jobDate();
        if (date.isAfter(today())) {
            // A job run early would make that night's real run skip as already done.
            log.warn("Nightly job {} is in the future; trigger {} refused", date, trigger.triggerId());
            return;
        }
        try (Connection lock = dataSource.getConnection()) {
            if (!tryLock(lock, date)) {
                if (runs.completed(date)) {
                    log.info("Nightly job {} already ran; trigger {} ignored", date, trigger.triggerId());
                    return;
                }
                // Kept until that run is done: should its archiver stop before finishing, this
                // trigger is the one that resumes it (redelivered with the failures' back-off).
                log.info("Nightly job {} is running on another archiver; trigger {} waits for it", date,
                        trigger.triggerId());
                throw new RunningElsewhere("Nightly job " + date + " is running on another archiver");
            }
            try {
                JobRun run = runs.startOrResume(date, trigger.requestedBy());
                if (run.completed()) {
                    log.info("Nightly job {} already ran; trigger {} ignored", date, trigger.triggerId());
                    return;
                }
                log.info("Nightly job {} {} at phase {}", date, run.counts().isEmpty() ? "starting" : "resuming",
                        run.phase().value());
                work(run, lock);
            }
            catch (RunningElsewhere ex) {
                log.info("{}; trigger {} waits for it", ex.getMessage(), trigger.triggerId());
                throw ex;
            }
            catch (MaintenanceLifecycle.Stopped ex) {
                log.warn("Nightly job {} stopped between batches; it resumes when the trigger is redelivered", date);
                throw ex;
            }
            catch (Exception ex) {
                String reason = Failures.reason(ex);
                failures.increment();
                log.error("Nightly job {} failed: {}; it is retried", date, reason);
                runs.fail(date, reason);
                throw ex;
            }
            finally {
                SessionLocks.release(lock, lockName(date), true);
            }
        }
    }

    /** @param lock the connection whose session holds this date's lock: the work stops when it ends */
    private void work(JobRun run, Connection lock) throws Exception {
        LocalDate date = run.date();
        Map<String, Object> counts = new LinkedHashMap<>(run.counts());
        Phase phase = run.phase();
        if (phase == Phase.RECHECK) {
            // Re-checks an earlier try of this phase got into Kafka count towards the night's
            // max-rechecks: they are paid for meanwhile, so numbers not sent then are due now.
            int queued = ((Number) counts.getOrDefault("rechecks_queued", 0)).intValue();
            SessionLocks.requireSession(lock);
            List<Recheck> due = dueRechecks(properties.nightly().maxRechecks() - queued);
            // Counted before they are sent: a try that ends after Kafka took them but before their
            // count was recorded would otherwise, resumed, send as many others in their place (those
            // are due no longer once the workers re-check them). Ended before Kafka took them, the
            // night re-checks fewer, which costs nothing.
            countRechecks(counts, queued + due.size());
            runs.progress(date, phase, counts);
            try {
                queueRechecks(due);
            }
            catch (TopicSender.NotAcknowledged ex) {
                countRechecks(counts, queued + ex.acknowledged());
                runs.progress(date, phase, counts);
                throw ex;
            }
            phase = Phase.ARCHIVE;
            runs.progress(date, phase, counts);
        }
        if (phase == Phase.ARCHIVE) {
            inBatches(date, phase, counts, "archived",
                    () -> queries.archiveBatch(properties.archiveAfter(), properties.archive().batchSize()), lock);
            phase = Phase.PURGE;
            runs.progress(date, phase, counts);
        }
        if (phase == Phase.PURGE) {
            Duration age = properties.purgeAfter();
            int batch = properties.archive().batchSize();
            inBatches(date, phase, counts, "purged_history", () -> queries.purgeHistoryBatch(age, batch), lock);
            inBatches(date, phase, counts, "purged_audit", () -> queries.purgeAuditBatch(age, batch), lock);
            purgeNumbersAlone(date, phase, counts, age, batch, lock);
            queries.endDeliveriesOfDeletedWebhooks();
            Duration deliveries = properties.webhooks().keepFinishedFor();
            inBatches(date, phase, counts, "purged_webhook_deliveries",
                    () -> queries.purgeWebhookDeliveriesBatch(deliveries, batch), lock);
            inBatches(date, phase, counts, "purged_webhooks", () -> queries.purgeDeletedWebhooksBatch(age, batch),
                    lock);
            inBatches(date, phase, counts, "purged_tokens", () -> queries.purgeRevokedTokensBatch(age, batch), lock);
            inBatches(date, phase, counts, "purged_claims",
                    () -> queries.purgeLapsedClaimsBatch(CLAIMS_LAPSED, batch), lock);
        }
        runs.complete(date, counts);
        log.info("Nightly job {} completed: {}", date, counts);
    }

    private void countRechecks(Map<String, Object> counts, int queued) {
        counts.put("rechecks_queued", queued);
        counts.put("recheck_cost_usd", properties.twilio().pricePerLookup().multiply(BigDecimal.valueOf(queued))
                .toPlainString());
    }

    /** Up to {@code limit} numbers due for a re-check, the most recently requested first. */
    private List<Recheck> dueRechecks(int limit) {
        return limit <= 0 ? List.of()
                : queries.dueForRecheck(recheckOlderThan, properties.nightly().activeWithin(), limit);
    }

    /**
     * Sends the re-checks to the prewarm path, protected as lookup requests, never in plaintext,
     * and returns once Kafka has acknowledged every one: otherwise the job fails, counting those
     * Kafka did acknowledge, and resuming it sends what is still due again, up to what is left of
     * the night's limit (a number re-checked meanwhile is no longer due; one re-checked but not yet
     * stored, sent twice, costs the worker a cache read: it neither pays nor publishes again).
     */
    private void queueRechecks(List<Recheck> due) {
        if (due.isEmpty()) {
            return;
        }
        TopicSender.Sends sends = kafka.sends();
        for (Recheck recheck : due) {
            LookupRequest request = new LookupRequest(UUID.randomUUID().toString(), recheck.numberHash(),
                    recheck.numberCiphertext(), recheck.last4(), LookupRequest.Origin.RECHECK, null,
                    Instant.now(), null);
            sends.add(Topics.LOOKUP_PREWARM, recheck.numberHash(), request);
        }
        sends.awaitAll(ACK_TIMEOUT);
    }

    /**
     * Purges the expired numbers while no key rotation runs (the lock {@link SessionLocks#KEY_ROTATION}
     * says why); meeting one, the job waits for it like a run on another archiver: its trigger is
     * delivered again later, and the job resumes here.
     */
    private void purgeNumbersAlone(LocalDate date, Phase phase, Map<String, Object> counts, Duration age, int batch,
            Connection nightlyLock) throws Exception {
        try (Connection rotationLock = dataSource.getConnection()) {
            if (!SessionLocks.tryLock(rotationLock, SessionLocks.KEY_ROTATION)) {
                throw new RunningElsewhere("Nightly job " + date + " waits for a key rotation to end before purging numbers");
            }
            try {
                inBatches(date, phase, counts, "purged_reputation", () -> purgeNumbers(age, batch), nightlyLock,
                        rotationLock);
            }
            finally {
                SessionLocks.release(rotationLock, SessionLocks.KEY_ROTATION, true);
            }
        }
    }

    /**
     * Deletes a batch of expired numbers' cached answers and tombstones them on the results topic,
     * in one transaction committed once Kafka has every tombstone. Interrupted before that, the
     * rows are still there and the next run tombstones them again. Until the commit the rows stay
     * locked, so a worker storing a fresh answer to one of them waits and publishes it after the
     * tombstone, which compaction would otherwise apply to that answer too.
     */
    private int purgeNumbers(Duration age, int batch) {
        Integer purged = transactions.execute(status -> {
            List<String> expired = queries.deleteExpiredNumbers(age, batch);
            if (!expired.isEmpty()) {
                tombstones.write(expired);
            }
            return expired.size();
        });
        return purged == null ? 0 : purged;
    }

    /** Today in the job's time zone, by the database clock; the scheduler dates its triggers with it. */
    LocalDate today() {
        return jdbc.sql("SELECT (now() AT TIME ZONE ?)::date").param(zone).query(java.sql.Date.class).single()
                .toLocalDate();
    }

    /**
     * Repeats a batch until it does nothing, recording progress with each in its transaction: a
     * stop or a failure between a batch and its count would otherwise leave the report short of it.
     */
    private void inBatches(LocalDate date, Phase phase, Map<String, Object> counts, String count, Batch batch,
            Connection... locks) throws Exception {
        int done;
        do {
            lifecycle.checkNotStopping();
            // A lock goes with its session: one ended (a fail-over, a dropped idle connection) lets
            // another archiver run this date's job, or a key rotation run beside the purge.
            for (Connection lock : locks) {
                SessionLocks.requireSession(lock);
            }
            Integer inBatch = transactions.execute(status -> {
                int rows = batch.run();
                counts.merge(count, rows, (a, b) -> ((Number) a).intValue() + ((Number) b).intValue());
                runs.progress(date, phase, counts);
                return rows;
            });
            done = inBatch == null ? 0 : inBatch;
            if (done > 0 && !properties.archive().pauseBetweenBatches().isZero()) {
                TimeUnit.MILLISECONDS.sleep(properties.archive().pauseBetweenBatches().toMillis());
            }
        }
        while (done > 0);
    }

    private static boolean tryLock(Connection connection, LocalDate date) {
        return SessionLocks.tryLock(connection, lockName(date));
    }

    private static String lockName(LocalDate date) {
        return "spamcheck.nightly." + date;
    }

    @FunctionalInterface
    private interface Batch {
        /** @return how many rows it moved or deleted; 0 when nothing is left */
        int run();
    }

    /**
     * The date's job holds its lock on another archiver, or a key rotation runs: the trigger is
     * delivered again later.
     */
    static final class RunningElsewhere extends RuntimeException {

        RunningElsewhere(String why) {
            super(why, null, false, false);
        }
    }
}
