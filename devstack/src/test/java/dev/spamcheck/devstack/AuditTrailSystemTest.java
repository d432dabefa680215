package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The audit table holds exactly one row per request made to the shared stack so far (by this test
 * and by whichever system tests ran before it in this JVM: every request the helpers send is
 * recorded), and neither a full number nor a token anywhere. It holds between any two test
 * classes, so it needs no place in the order.
 */
class AuditTrailSystemTest {

    @Test
    void everyRequestLeftExactlyOneAuditRowWithoutNumbersOrTokens() throws Exception {
        TestStack.lookUp(TestStack.uniqueNumber("0123"));
        TestStack.lookUp("+1202555012");
        Set<String> requestIds = TestStack.requestIds();
        assertThat(requestIds).isNotEmpty();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> auditedRequestIds().containsAll(requestIds));
        Set<String> unexpected = new HashSet<>(auditedRequestIds());
        unexpected.removeAll(requestIds);
        unexpected.removeAll(TestStack.excusedFromAudit());
        unexpected.removeAll(abandonedInExcusedCampaigns());
        assertThat(unexpected).as("audit rows of requests nobody made").isEmpty();

        List<String> rows = new ArrayList<>();
        try (Connection db = TestStack.database(); Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("SELECT a::text FROM audit_log a")) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        for (String number : TestStack.issuedNumbers()) {
            assertThat(rows).noneMatch(row -> row.contains(number.substring(2)));
        }
        for (String token : TestStack.tokensSeen()) {
            assertThat(rows).noneMatch(row -> row.contains(token.substring(4)));
        }
    }

    private static Set<String> abandonedInExcusedCampaigns() throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection db = TestStack.database(); java.sql.PreparedStatement query = db.prepareStatement(
                "SELECT request_id FROM audit_log WHERE outcome = 'abandoned' AND campaign_id = ANY (?)")) {
            query.setArray(1, db.createArrayOf("text", TestStack.campaignsExcusedWhenAbandoned().toArray()));
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    ids.add(result.getString(1));
                }
            }
        }
        return ids;
    }

    private static Set<String> auditedRequestIds() throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection db = TestStack.database(); Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("SELECT request_id FROM audit_log")) {
            while (result.next()) {
                ids.add(result.getString(1));
            }
        }
        return ids;
    }
}
