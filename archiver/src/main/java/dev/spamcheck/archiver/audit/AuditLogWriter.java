package dev.spamcheck.archiver.audit;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Moves audit events from {@link Topics#AUDIT_EVENTS} into {@code audit_log} in batches. Offsets
 * are committed after the batch is stored; a redelivered event is ignored by its request id, so
 * each request has exactly one row. One event that cannot be stored (unreadable, or refused by
 * PostgreSQL) never takes its batch with it: the events before it are stored, it goes to the
 * dead-letter topic (see {@link AuditKafkaConfiguration}), and the events after it are delivered
 * again.
 */
@Component
class AuditLogWriter {

    private static final String INSERT = """
            INSERT INTO audit_log (request_id, occurred_at, token_id, client_ip, method, path, number_last4,
                                   campaign_id, outcome, http_status, error_code, latency_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id) DO NOTHING
            """;

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;

    AuditLogWriter(JdbcTemplate jdbc, MessageCodec codec) {
        this.jdbc = jdbc;
        this.codec = codec;
    }

    @KafkaListener(id = "audit-log-writer", topics = Topics.AUDIT_EVENTS, groupId = "spamcheck-audit-writer",
            containerFactory = "auditBatchContainerFactory")
    void onEvents(List<ConsumerRecord<String, String>> records) {
        List<AuditEvent> events = new ArrayList<>(records.size());
        UnstorableAuditEvent unreadable = null;
        for (ConsumerRecord<String, String> record : records) {
            try {
                events.add(readable(codec.decode(record.value(), AuditEvent.class)));
            }
            catch (MessageCodec.MalformedMessageException | IllegalArgumentException ex) {
                unreadable = new UnstorableAuditEvent("unreadable", ex);
                break;
            }
        }
        storeAll(events);
        if (unreadable != null) {
            throw failed(events.size(), unreadable);
        }
    }

    /** Stores the events in one batch; when PostgreSQL refuses it, one at a time to find the one at fault. */
    private void storeAll(List<AuditEvent> events) {
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
                    throw failed(i, new UnstorableAuditEvent("refused by PostgreSQL (" + sqlState(ex) + ")", ex));
                }
            }
        }
    }

    /** The event as far as the table needs it; a value it could never take is refused here. */
    private static AuditEvent readable(AuditEvent event) {
        UUID.fromString(String.valueOf(event.requestId()));
        if (event.occurredAt() == null || event.clientIp() == null || event.method() == null || event.path() == null
                || event.outcome() == null) {
            throw new IllegalArgumentException("a required field is missing");
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

    private void store(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(INSERT, events, events.size(), (statement, event) -> {
            statement.setObject(1, UUID.fromString(event.requestId()));
            statement.setTimestamp(2, Timestamp.from(event.occurredAt()));
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
        });
    }

    private static BatchListenerFailedException failed(int index, UnstorableAuditEvent cause) {
        return new BatchListenerFailedException(cause.getMessage(), cause, index);
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
