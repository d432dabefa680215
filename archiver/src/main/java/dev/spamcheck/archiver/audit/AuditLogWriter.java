package dev.spamcheck.archiver.audit;

import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

/**
 * Moves audit events from {@link Topics#AUDIT_EVENTS} into {@code audit_log} in batches. Offsets
 * are committed after the batch is stored; a redelivered event is ignored by its request id, so
 * each request has exactly one row.
 */
@Component
class AuditLogWriter {

    private static final Logger log = LoggerFactory.getLogger(AuditLogWriter.class);

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;

    AuditLogWriter(JdbcTemplate jdbc, MessageCodec codec) {
        this.jdbc = jdbc;
        this.codec = codec;
    }

    @KafkaListener(id = "audit-log-writer", topics = Topics.AUDIT_EVENTS, groupId = "spamcheck-audit-writer",
            containerFactory = "auditBatchContainerFactory")
    void onEvents(List<String> messages) {
        List<AuditEvent> events = new ArrayList<>(messages.size());
        for (String message : messages) {
            try {
                events.add(codec.decode(message, AuditEvent.class));
            }
            catch (MessageCodec.MalformedMessageException ex) {
                log.warn("Skipping an audit event that cannot be read: {}", ex.getMessage());
            }
        }
        jdbc.batchUpdate("""
                INSERT INTO audit_log (request_id, occurred_at, token_id, client_ip, method, path, number_last4,
                                       campaign_id, outcome, http_status, error_code, latency_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_id) DO NOTHING
                """, events, events.size(), (statement, event) -> {
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
}
