package dev.spamcheck.archiver.audit;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.kafka.DeadLetters;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Moves audit events from the audit topic into {@code audit_log} in batches. Offsets
 * are committed after the batch is stored; a redelivered event is ignored by its request id, so
 * each request has exactly one row. One event that cannot be stored (unreadable, or refused by
 * PostgreSQL) never takes its batch with it: the events before it are stored, it goes to the
 * dead-letter topic (see {@link AuditKafkaConfiguration}), and the events after it are delivered
 * again.
 * <p>
 * A batch goes in with {@code COPY}, which costs PostgreSQL about half of what the same rows cost
 * as {@code INSERT}s (every gateway request makes one). {@code COPY} knows no {@code ON CONFLICT}:
 * when PostgreSQL refuses it, because an event was stored before (a redelivery) or one it cannot
 * take, or for any other reason, nothing of it is stored and the batch goes again as
 * {@code INSERT}s, which skip the one and find the other.
 */
@Component
class AuditLogWriter {

    private static final String COPY = """
            COPY audit_log (request_id, occurred_at, token_id, client_ip, method, path, number_last4,
                            campaign_id, outcome, http_status, error_code, latency_ms, target)
            FROM STDIN (FORMAT csv)
            """;
    private static final String INSERT = """
            INSERT INTO audit_log (request_id, occurred_at, token_id, client_ip, method, path, number_last4,
                                   campaign_id, outcome, http_status, error_code, latency_ms, target)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO NOTHING
            """;

    private static final Logger log = LoggerFactory.getLogger(AuditLogWriter.class);

    // JdbcTemplate rather than JdbcClient, the services' usual way in: only it has JDBC batches.
    private final JdbcTemplate jdbc;
    private final Counter copyRefused;
    private final Counter copyFailed;
    private final AtomicBoolean toldOfFailedCopy = new AtomicBoolean();

    AuditLogWriter(JdbcTemplate jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.copyRefused = fallbacks(meters, "refused");
        this.copyFailed = fallbacks(meters, "failed");
    }

    private static Counter fallbacks(MeterRegistry meters, String reason) {
        return Counter.builder("spamcheck.audit.copy.fallbacks")
                .description("Batches of audit events stored as inserts because COPY did not store them")
                .tag("reason", reason)
                .register(meters);
    }

    // Fetches wait for 64 KiB of events or a quarter second: each fetch and offset commit costs
    // the broker about what a whole batch of events does, and an event is durable once the
    // gateway has its acknowledgement; the table may trail by that much.
    @KafkaListener(id = "audit-log-writer", topics = Topics.Names.AUDIT_EVENTS, groupId = "spamcheck-audit-writer",
            containerFactory = "auditBatchContainerFactory",
            properties = {"fetch.min.bytes=65536", "fetch.max.wait.ms=250"})
    void onEvents(List<ConsumerRecord<String, AuditEvent>> records) {
        List<AuditEvent> events = new ArrayList<>(records.size());
        RuntimeException unstorable = null;
        for (ConsumerRecord<String, AuditEvent> record : records) {
            DeserializationException unreadable = DeadLetters.unreadable(record);
            if (unreadable != null) {
                unstorable = unreadable;
                break;
            }
            try {
                events.add(complete(record.value()));
            }
            catch (IllegalArgumentException | NullPointerException ex) {
                unstorable = new UnstorableAuditEvent("incomplete", ex);
                break;
            }
        }
        try {
            storeAll(events);
        }
        catch (DataAccessException away) {
            // Reported as the failure of the batch's first event, never of the batch as a whole:
            // the error handler then retries from that event with the back-off, and an event that
            // cannot be stored later in the batch stays that event's alone. A whole-batch failure
            // would go to Spring Kafka's fallback handler, whose retry, on meeting such an event
            // once PostgreSQL is back, dead-letters the entire batch.
            throw new BatchListenerFailedException("audit_log unavailable", away, 0);
        }
        if (unstorable != null) {
            throw new BatchListenerFailedException(UnstorableAuditEvent.reason(unstorable), unstorable, events.size());
        }
    }

    /**
     * Stores the events with one {@code COPY}; when that stores nothing, as one batch of inserts
     * that skip stored ones; when PostgreSQL refuses those, one at a time to find the one at fault.
     */
    private void storeAll(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            copy(events);
            return;
        }
        catch (DataAccessException failure) {
            // The inserts are the authority: they tell a refused event from a lost connection, and
            // work where COPY does not (a table under row-level security for this role).
            if (refused(failure)) {
                copyRefused.increment();
            }
            else {
                copyFailed.increment();
                if (toldOfFailedCopy.compareAndSet(false, true)) {
                    log.warn("COPY into audit_log failed ({}); such batches go as inserts, counted in "
                            + "spamcheck_audit_copy_fallbacks_total{reason=\"failed\"}", sqlState(failure));
                }
            }
        }
        try {
            store(events);
        }
        catch (DataAccessException batchFailed) {
            if (!refused(batchFailed)) {
                throw batchFailed;
            }
            for (int i = 0; i < events.size(); i++) {
                try {
                    store(List.of(events.get(i)));
                }
                catch (DataAccessException ex) {
                    if (!refused(ex)) {
                        throw ex;
                    }
                    UnstorableAuditEvent refused = new UnstorableAuditEvent("refused by PostgreSQL (" + sqlState(ex) + ")",
                            ex);
                    throw new BatchListenerFailedException(refused.getMessage(), refused, i);
                }
            }
        }
    }

    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** The event as far as the table needs it; a value it could never take is refused here. */
    private static AuditEvent complete(AuditEvent event) {
        UUID.fromString(String.valueOf(event.requestId()));
        if (event.occurredAt() == null || event.clientIp() == null || event.method() == null || event.path() == null
                || event.outcome() == null) {
            throw new IllegalArgumentException("a required field is missing");
        }
        // A time the table cannot hold as such fails the whole batch (microseconds overflow) or is
        // stored wrong (a timestamp wrapped past year 294,000): refused here, with this event alone.
        if (event.occurredAt().isBefore(EARLIEST) || event.occurredAt().isAfter(LATEST)) {
            throw new IllegalArgumentException("occurred_at is out of range");
        }
        return event;
    }

    /** Whether PostgreSQL refused the data itself (SQLSTATE classes 22 and 23), which no retry changes. */
    private static boolean refused(DataAccessException failure) {
        if (failure instanceof DataIntegrityViolationException) {
            return true;
        }
        String state = sqlState(failure);
        return state.startsWith("SQLSTATE 22") || state.startsWith("SQLSTATE 23");
    }

    private void copy(List<AuditEvent> events) {
        StringBuilder rows = new StringBuilder(events.size() * 256);
        try (CSVPrinter csv = new CSVPrinter(rows, CSVFormat.POSTGRESQL_CSV)) {
            for (AuditEvent event : events) {
                csv.printRecord(UUID.fromString(event.requestId()), toMicros(event.occurredAt()), event.tokenId(),
                        event.clientIp(), event.method(), event.path(), event.numberLast4(), event.campaignId(),
                        event.outcome(), event.httpStatus(), event.errorCode(), event.latencyMs(), event.target());
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        // Bytes, not a Reader: pgjdbc encodes a Reader's text in chunks of its buffer, and a character
        // whose UTF-16 halves fall in two chunks would be stored as "??".
        byte[] data = rows.toString().getBytes(StandardCharsets.UTF_8);
        jdbc.execute((ConnectionCallback<Long>) connection -> {
            try {
                return connection.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY, new ByteArrayInputStream(data));
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        });
    }

    private void store(List<AuditEvent> events) {
        jdbc.batchUpdate(INSERT, events, events.size(), (statement, event) -> {
            statement.setObject(1, UUID.fromString(event.requestId()));
            statement.setTimestamp(2, Timestamp.from(toMicros(event.occurredAt())));
            statement.setString(3, event.tokenId());
            statement.setString(4, event.clientIp());
            statement.setString(5, event.method());
            statement.setString(6, event.path());
            statement.setString(7, event.numberLast4());
            statement.setString(8, event.campaignId());
            statement.setString(9, event.outcome());
            statement.setInt(10, event.httpStatus());
            if (event.errorCode() == null) {
                statement.setNull(11, Types.VARCHAR);
            }
            else {
                statement.setString(11, event.errorCode());
            }
            statement.setLong(12, event.latencyMs());
            statement.setString(13, event.target());
        });
    }

    /**
     * The time to the microsecond PostgreSQL keeps, rounded half up here so that both ways in store
     * the same value (PostgreSQL rounds COPY's text half to even, pgjdbc a parameter half up).
     */
    private static Instant toMicros(Instant time) {
        return time.plusNanos(500).truncatedTo(ChronoUnit.MICROS);
    }

    private static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return "SQLSTATE " + sql.getSQLState();
            }
        }
        return failure.getClass().getSimpleName();
    }
}
