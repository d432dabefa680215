package dev.spamcheck.archiver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.PermissionDeniedDataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ParameterizedPreparedStatementSetter;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.listener.BatchListenerFailedException;

import com.zaxxer.hikari.HikariDataSource;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The audit trail in a real PostgreSQL: one row per request, whatever Kafka redelivers or PostgreSQL refuses. */
class AuditLogWriterTest {

    private static final DataSource DATABASE = TestDatabase.fresh();
    /** The archiver's pool, whose connections COPY must reach through. */
    private static final DataSource POOL = pool();

    private final JdbcClient jdbc = JdbcClient.create(DATABASE);
    private final AtomicInteger insertBatches = new AtomicInteger();
    private volatile boolean copyFails;
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final AuditLogWriter writer = new AuditLogWriter(new JdbcTemplate(POOL) {
        @Override
        public <T> T execute(ConnectionCallback<T> action) {
            if (copyFails) {
                throw new PermissionDeniedDataAccessException("COPY refused for this role", null);
            }
            return super.execute(action);
        }

        @Override
        public <T> int[][] batchUpdate(String sql, Collection<T> batchArgs, int batchSize,
                ParameterizedPreparedStatementSetter<T> setter) {
            insertBatches.incrementAndGet();
            return super.batchUpdate(sql, batchArgs, batchSize, setter);
        }
    }, meters);
    private long offset;

    @BeforeEach
    void emptyTheLog() {
        jdbc.sql("DELETE FROM audit_log").update();
    }

    @Test
    void aBatchGoesInWithOneCopyThatKeepsEveryValueAsSent() {
        AuditEvent awkward = new AuditEvent(UUID.randomUUID().toString(),
                Instant.parse("2026-12-05T21:00:00.123456Z"), null, "2001:db8::1", "POST",
                "/api/v1/spam_score\n\\.\n\"x\",y", null, null, "spring, \"launch\"\r\nÄ✓", "invalid", 400, "", 0,
                "whk_0123456789abcdef");
        AuditEvent plain = event("camp-1", 200);

        writer.onEvents(records(awkward, plain));

        assertThat(insertBatches).hasValue(0);
        Map<String, Object> row = jdbc.sql("SELECT * FROM audit_log WHERE request_id = ?::uuid")
                .param(awkward.requestId()).query().singleRow();
        assertThat(((java.sql.Timestamp) row.get("occurred_at")).toInstant()).isEqualTo(awkward.occurredAt());
        assertThat(row.get("token_id")).isNull();
        assertThat(row.get("client_ip")).isEqualTo("2001:db8::1");
        assertThat(row.get("path")).isEqualTo(awkward.path());
        assertThat(row.get("number_last4")).isNull();
        assertThat(row.get("campaign_id")).isEqualTo(awkward.campaignId());
        assertThat(((Number) row.get("http_status")).intValue()).isEqualTo(400);
        assertThat(row.get("error_code")).isEqualTo("");
        assertThat(((Number) row.get("latency_ms")).longValue()).isZero();
        assertThat(row.get("target")).isEqualTo("whk_0123456789abcdef");
        assertThat(storedIds()).containsExactlyInAnyOrder(awkward.requestId(), plain.requestId());
    }

    @Test
    void aBatchThatCopyCannotStoreGoesAsInserts() {
        copyFails = true;
        AuditEvent first = event("camp-1", 200);
        AuditEvent plain = event(null, 429);
        AuditEvent second = new AuditEvent(plain.requestId(), plain.occurredAt(), plain.tokenId(), plain.clientIp(),
                "DELETE", "/api/v1/admin/tokens/{id}", null, null, null, "ok", 204, null, 3, "tok_0123456789ab");

        writer.onEvents(records(first, second));

        assertThat(insertBatches).hasValue(1);
        assertThat(storedIds()).containsExactlyInAnyOrder(first.requestId(), second.requestId());
        assertThat(jdbc.sql("SELECT target FROM audit_log WHERE request_id = ?::uuid").param(second.requestId())
                .query(String.class).single()).isEqualTo("tok_0123456789ab");
        assertThat(fallbacks("failed")).isEqualTo(1);
        assertThat(fallbacks("refused")).isZero();
    }

    @Test
    void textLongerThanTheDriversBufferKeepsEveryCharacter() {
        // 64 Ki characters is pgjdbc's chunk for text. The second batch is the first moved on by one
        // character, so in one of them a four-byte character lies across the chunk's end.
        String wide = "\uD83D\uDCDE".repeat(20_000);
        writer.onEvents(records(eventWithPath("/" + wide), eventWithPath("/" + wide)));
        writer.onEvents(records(eventWithPath("/x" + wide), eventWithPath("/" + wide)));

        assertThat(insertBatches).hasValue(0);
        assertThat(jdbc.sql("SELECT path FROM audit_log").query(String.class).list())
                .containsExactlyInAnyOrder("/" + wide, "/" + wide, "/x" + wide, "/" + wide);
    }

    @Test
    void bothWaysInStoreTheSameMicrosecond() {
        Instant halfway = Instant.parse("2026-12-05T21:00:00.123456500Z");
        AuditEvent copied = eventAt(halfway);
        writer.onEvents(records(copied));
        copyFails = true;
        AuditEvent inserted = eventAt(halfway);
        writer.onEvents(records(inserted));

        assertThat(insertBatches).hasValue(1);
        assertThat(jdbc.sql("SELECT DISTINCT occurred_at FROM audit_log").query(java.sql.Timestamp.class).list())
                .extracting(java.sql.Timestamp::toInstant)
                .containsExactly(Instant.parse("2026-12-05T21:00:00.123457Z"));
    }

    @Test
    void aBatchIsStoredOnceAndARedeliveredEventIsIgnoredByItsRequestId() {
        AuditEvent first = event("camp-1", 200);
        AuditEvent second = event(null, 429);
        writer.onEvents(records(first, second));

        AuditEvent redeliveredWithOtherContent = new AuditEvent(first.requestId(), first.occurredAt(), "other-token",
                "10.9.9.9", "GET", "/other", "9999", null, "camp-2", "error", 500, "internal", 99);
        AuditEvent third = event("camp-1", 200);
        writer.onEvents(records(first, redeliveredWithOtherContent, second, third));

        assertThat(jdbc.sql("SELECT count(*) FROM audit_log").query(Long.class).single()).isEqualTo(3);
        // The first batch went in with COPY; the second, refused by it for the stored events, as inserts.
        assertThat(insertBatches).hasValue(1);
        assertThat(fallbacks("refused")).isEqualTo(1);
        Map<String, Object> row = jdbc.sql("SELECT * FROM audit_log WHERE request_id = ?::uuid")
                .param(first.requestId()).query().singleRow();
        assertThat(row.get("token_id")).isEqualTo("tok_1");
        assertThat(row.get("client_ip")).isEqualTo("203.0.113.7");
        assertThat(row.get("path")).isEqualTo("/api/v1/lookup");
        assertThat(row.get("number_last4")).isEqualTo("0123");
        assertThat(row.get("campaign_id")).isEqualTo("camp-1");
        assertThat(row.get("outcome")).isEqualTo("scored");
        assertThat(((Number) row.get("http_status")).intValue()).isEqualTo(200);
        assertThat(((java.sql.Timestamp) row.get("occurred_at")).toInstant()).isEqualTo(first.occurredAt());
        assertThat(jdbc.sql("SELECT error_code FROM audit_log WHERE request_id = ?::uuid").param(second.requestId())
                .query(String.class).single()).isEqualTo("rate_limited");
    }

    @Test
    void anEventPostgresqlRefusesFailsAtItsIndexAfterTheEventsBeforeItAreStored() {
        AuditEvent stored1 = event("camp-1", 200);
        AuditEvent stored2 = event("camp-2", 200);
        AuditEvent refused = event("camp\u0000evil", 200);
        AuditEvent after = event("camp-3", 200);

        BatchListenerFailedException failure = catchThrowableOfType(BatchListenerFailedException.class,
                () -> writer.onEvents(records(stored1, stored2, refused, after)));

        assertThat(failure).isNotNull();
        assertThat(failure.getIndex()).isEqualTo(2);
        assertThat(failure.getMessage()).contains("refused by PostgreSQL (SQLSTATE 22").doesNotContain("evil");
        assertThat(UnstorableAuditEvent.reason(failure)).startsWith("refused by PostgreSQL");
        assertThat(storedIds()).containsExactlyInAnyOrder(stored1.requestId(), stored2.requestId());

        // The error handler then sends the refused one to its dead-letter topic and redelivers the rest.
        writer.onEvents(records(after));
        assertThat(storedIds()).containsExactlyInAnyOrder(stored1.requestId(), stored2.requestId(), after.requestId());
    }

    @Test
    void anIncompleteEventFailsAtItsIndexAfterTheEventsBeforeItAreStored() {
        AuditEvent stored = event("camp-1", 200);
        AuditEvent noClientIp = new AuditEvent(UUID.randomUUID().toString(), Instant.now(), null, null, "GET",
                "/api/v1/lookup", null, null, null, "scored", 200, null, 3);
        AuditEvent after = event("camp-3", 200);

        BatchListenerFailedException failure = catchThrowableOfType(BatchListenerFailedException.class,
                () -> writer.onEvents(records(stored, noClientIp, after)));

        assertThat(failure).isNotNull();
        assertThat(failure.getIndex()).isEqualTo(1);
        assertThat(UnstorableAuditEvent.reason(failure)).isEqualTo("incomplete");
        assertThat(storedIds()).containsExactly(stored.requestId());
    }

    @Test
    void anEventWhoseRequestIdIsNoUuidIsIncompleteToo() {
        AuditEvent stored = event("camp-1", 200);
        AuditEvent badId = new AuditEvent("not-a-uuid'; DROP TABLE audit_log; --", Instant.now(), null, "10.0.0.1",
                "GET", "/", null, null, null, "scored", 200, null, 3);

        BatchListenerFailedException failure = catchThrowableOfType(BatchListenerFailedException.class,
                () -> writer.onEvents(records(stored, badId)));

        assertThat(failure.getIndex()).isEqualTo(1);
        assertThat(UnstorableAuditEvent.reason(failure)).isEqualTo("incomplete");
        assertThat(storedIds()).containsExactly(stored.requestId());
    }

    @Test
    void anEventWhoseTimeTheTableCannotHoldFailsAtItsIndexAlone() {
        AuditEvent stored = event("camp-1", 200);
        AuditEvent farFuture = new AuditEvent(UUID.randomUUID().toString(), Instant.MAX, null, "10.0.0.1", "GET",
                "/", null, null, null, "scored", 200, null, 3);

        BatchListenerFailedException failure = catchThrowableOfType(BatchListenerFailedException.class,
                () -> writer.onEvents(records(stored, farFuture)));

        assertThat(failure.getIndex()).isEqualTo(1);
        assertThat(UnstorableAuditEvent.reason(failure)).isEqualTo("incomplete");
        assertThat(storedIds()).containsExactly(stored.requestId());
    }

    private double fallbacks(String reason) {
        return meters.get("spamcheck.audit.copy.fallbacks").tag("reason", reason).counter().count();
    }

    private static DataSource pool() {
        HikariDataSource pool = new HikariDataSource();
        pool.setDataSource(DATABASE);
        pool.setMaximumPoolSize(2);
        return pool;
    }

    private static AuditEvent eventWithPath(String path) {
        AuditEvent event = event(null, 200);
        // A fixed time, so that every row before the path has the same length.
        return new AuditEvent(event.requestId(), Instant.parse("2026-12-05T21:00:00.123456Z"), event.tokenId(), event.clientIp(), event.method(),
                path, event.numberLast4(), event.numberHash(), event.campaignId(), event.outcome(), event.httpStatus(),
                event.errorCode(), event.latencyMs());
    }

    private static AuditEvent eventAt(Instant occurredAt) {
        AuditEvent event = event(null, 200);
        return new AuditEvent(event.requestId(), occurredAt, event.tokenId(), event.clientIp(), event.method(),
                event.path(), event.numberLast4(), event.numberHash(), event.campaignId(), event.outcome(),
                event.httpStatus(), event.errorCode(), event.latencyMs());
    }

    private List<String> storedIds() {
        return jdbc.sql("SELECT request_id::text FROM audit_log").query(String.class).list();
    }

    private static AuditEvent event(String campaign, int status) {
        return new AuditEvent(UUID.randomUUID().toString(), Instant.now().truncatedTo(ChronoUnit.MICROS), "tok_1",
                "203.0.113.7", "POST", "/api/v1/lookup", "0123", "ab".repeat(32), campaign,
                status == 200 ? "scored" : "rate_limited", status, status == 200 ? null : "rate_limited", 42);
    }

    private List<ConsumerRecord<String, AuditEvent>> records(AuditEvent... events) {
        List<ConsumerRecord<String, AuditEvent>> records = new ArrayList<>();
        for (AuditEvent event : events) {
            records.add(new ConsumerRecord<>(Topics.Names.AUDIT_EVENTS, 0, offset++, event.requestId(), event));
        }
        return records;
    }
}
