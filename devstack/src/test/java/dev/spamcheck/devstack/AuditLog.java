package dev.spamcheck.devstack;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Reads {@code audit_log} as an operator would, waiting for rows that travel through Kafka. */
final class AuditLog {

    private AuditLog() {
    }

    /** The audit row of a request, once the archiver has stored it. */
    static Map<String, Object> awaitRow(String requestId) {
        return awaitRow(requestId, Duration.ofSeconds(20));
    }

    static Map<String, Object> awaitRow(String requestId, Duration within) {
        return await().atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> row(requestId), Optional::isPresent).orElseThrow();
    }

    /** Every audit row of a campaign. */
    static List<Map<String, Object>> rowsOfCampaign(String campaignId) throws Exception {
        return rowsWhere("campaign_id", campaignId);
    }

    /** Every audit row of a token, by its id. */
    static List<Map<String, Object>> rowsOfToken(String tokenId) throws Exception {
        return rowsWhere("token_id", tokenId);
    }

    private static List<Map<String, Object>> rowsWhere(String column, String value) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection db = TestStack.database();
                PreparedStatement query = db.prepareStatement("SELECT * FROM audit_log WHERE " + column + " = ?")) {
            query.setString(1, value);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(row(result));
                }
            }
        }
        return rows;
    }

    static Optional<Map<String, Object>> row(String requestId) throws Exception {
        try (Connection db = TestStack.database();
                PreparedStatement query = db.prepareStatement("SELECT * FROM audit_log WHERE request_id = ?")) {
            query.setObject(1, UUID.fromString(requestId));
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(row(rows)) : Optional.empty();
            }
        }
    }

    private static Map<String, Object> row(ResultSet rows) throws Exception {
        ResultSetMetaData columns = rows.getMetaData();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= columns.getColumnCount(); i++) {
            Object value = rows.getObject(i);
            row.put(columns.getColumnName(i), value instanceof String text ? text.trim() : value);
        }
        return row;
    }
}
