package dev.spamcheck.archiver.archive;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.spamcheck.archiver.ArchiverProperties;
import dev.spamcheck.archiver.archive.JobRuns.JobRun;
import dev.spamcheck.archiver.archive.JobRuns.Phase;
import dev.spamcheck.archiver.archive.MaintenanceQueries.Recheck;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.NightlyTrigger;
import dev.spamcheck.schemas.topic.Topics;

/**
 * The nightly maintenance of one date: (1) re-check clean numbers that are still requested,
 * through the prewarm path; (2) move old check results to the history; (3) purge history, audit
 * rows and cached answers past retention. A session advisory lock per date keeps two archivers
 * from running it together; {@code job_runs} keeps it from running twice and lets a job that was
 * stopped resume at the phase it had reached. Stopping the archiver stops the job between two
 * batches.
 */
@Component
class NightlyJob implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NightlyJob.class);

    private final DataSource dataSource;
    private final JobRuns runs;
    private final MaintenanceQueries queries;
    private final KafkaTemplate<String, String> kafka;
    private final MessageCodec codec;
    private final ArchiverProperties properties;
    private volatile boolean running;

    NightlyJob(DataSource dataSource, JobRuns runs, MaintenanceQueries queries, KafkaTemplate<String, String> kafka,
            MessageCodec codec, ArchiverProperties properties) {
        this.dataSource = dataSource;
        this.runs = runs;
        this.queries = queries;
        this.kafka = kafka;
        this.codec = codec;
        this.properties = properties;
    }

    void run(NightlyTrigger trigger) throws Exception {
        LocalDate date = trigger.jobDate();
        try (Connection lock = dataSource.getConnection()) {
            if (!tryLock(lock, date)) {
                log.info("Nightly job {} is running on another archiver; trigger {} ignored", date, trigger.triggerId());
                return;
            }
            try {
                JobRun run = runs.startOrResume(date, trigger.requestedBy());
                if (run.completed()) {
                    log.info("Nightly job {} already ran; trigger {} ignored", date, trigger.triggerId());
                    return;
                }
                log.info("Nightly job {} {} at phase {}", date, run.counts().isEmpty() ? "starting" : "resuming",
                        run.phase().value());
                work(run);
            }
            catch (Stopped ex) {
                log.warn("Nightly job {} stopped between batches; it resumes when the trigger is redelivered", date);
                throw ex;
            }
            catch (Exception ex) {
                runs.fail(date, ex.getClass().getSimpleName());
                throw ex;
            }
            finally {
                unlock(lock, date);
            }
        }
    }

    private void work(JobRun run) throws Exception {
        LocalDate date = run.date();
        Map<String, Object> counts = new LinkedHashMap<>(run.counts());
        Phase phase = run.phase();
        if (phase == Phase.RECHECK) {
            int queued = queueRechecks();
            counts.put("rechecks_queued", queued);
            counts.put("recheck_cost_usd", properties.twilio().pricePerLookup().multiply(BigDecimal.valueOf(queued))
                    .toPlainString());
            phase = Phase.ARCHIVE;
            runs.progress(date, phase, counts);
        }
        if (phase == Phase.ARCHIVE) {
            inBatches(date, phase, counts, "archived",
                    () -> queries.archiveBatch(properties.archiveAfter(), properties.archive().batchSize()));
            phase = Phase.PURGE;
            runs.progress(date, phase, counts);
        }
        if (phase == Phase.PURGE) {
            Duration age = properties.purgeAfter();
            int batch = properties.archive().batchSize();
            inBatches(date, phase, counts, "purged_history", () -> queries.purgeHistoryBatch(age, batch));
            inBatches(date, phase, counts, "purged_audit", () -> queries.purgeAuditBatch(age, batch));
            inBatches(date, phase, counts, "purged_reputation", () -> queries.purgeReputationBatch(age, batch));
        }
        runs.complete(date, counts);
        log.info("Nightly job {} completed: {}", date, counts);
    }

    /** Sends due re-checks to the prewarm path, protected as lookup requests, never in plaintext. */
    private int queueRechecks() throws Exception {
        ArchiverProperties.Nightly nightly = properties.nightly();
        List<Recheck> due = queries.dueForRecheck(nightly.recheckOlderThan(), nightly.activeWithin(),
                nightly.maxRechecks());
        for (Recheck recheck : due) {
            LookupRequest request = new LookupRequest(UUID.randomUUID().toString(), recheck.numberHash(),
                    recheck.numberCiphertext(), recheck.last4(), LookupRequest.Origin.RECHECK, "nightly-recheck",
                    Instant.now(), null);
            kafka.send(Topics.LOOKUP_PREWARM, recheck.numberHash(), codec.encode(request));
        }
        kafka.flush();
        return due.size();
    }

    /** Repeats a batch until it does nothing, recording progress after each. */
    private void inBatches(LocalDate date, Phase phase, Map<String, Object> counts, String count, IntSupplier batch)
            throws InterruptedException {
        int done;
        do {
            if (!running) {
                throw new Stopped();
            }
            done = batch.getAsInt();
            counts.merge(count, done, (a, b) -> ((Number) a).intValue() + ((Number) b).intValue());
            runs.progress(date, phase, counts);
            if (done > 0 && !properties.archive().pauseBetweenBatches().isZero()) {
                TimeUnit.MILLISECONDS.sleep(properties.archive().pauseBetweenBatches().toMillis());
            }
        }
        while (done > 0);
    }

    private static boolean tryLock(Connection connection, LocalDate date) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            lock.setString(1, "spamcheck.nightly." + date);
            try (ResultSet result = lock.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection connection, LocalDate date) throws SQLException {
        try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            unlock.setString(1, "spamcheck.nightly." + date);
            unlock.executeQuery().close();
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Stops a running job at its next batch, before the listener containers stop. */
    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    /** The archiver is stopping: the job ends between two batches and resumes later. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }
}
