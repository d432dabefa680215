package dev.spamcheck.devstack;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Reads {@code audit_log} as an operator would, waiting for rows that travel through Kafka. */
final class AuditLog {

    private AuditLog() {
    }

    /** The audit row of a request, once the archiver has stored it. */
    static Map<String, Object> awaitRow(String requestId) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> row(requestId), Optional::isPresent).orElseThrow();
    }

    static Optional<Map<String, Object>> row(String requestId) throws Exception {
        try (Connection db = TestStack.database();
                PreparedStatement query = db.prepareStatement("SELECT * FROM audit_log WHERE request_id = ?")) {
            query.setObject(1, UUID.fromString(requestId));
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                ResultSetMetaData columns = rows.getMetaData();
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns.getColumnCount(); i++) {
                    Object value = rows.getObject(i);
                    row.put(columns.getColumnName(i), value instanceof String text ? text.trim() : value);
                }
                return Optional.of(row);
            }
        }
    }
}
