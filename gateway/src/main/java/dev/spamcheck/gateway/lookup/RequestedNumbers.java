package dev.spamcheck.gateway.lookup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.spamcheck.gateway.GatewayProperties;

/**
 * Marks numbers answered from the cache as requested ({@code phone_reputation.last_requested_at}),
 * so the nightly re-check ranks numbers by real use, not by when they last cost a lookup. Coarse
 * and off the answer's path: a number is marked at most once an hour (per gateway here, and per row
 * in the statement, however many gateways there are), and the marks of a second are written
 * together in one statement. Beyond {@link #MAX_PENDING} distinct numbers a second, marks are
 * dropped: such a number is marked on a later hit.
 */
@Component
class RequestedNumbers {

    private static final Logger log = LoggerFactory.getLogger(RequestedNumbers.class);
    static final Duration COARSENESS = Duration.ofHours(1);
    private static final int MAX_PENDING = 10_000;

    private final DatabaseClient db;
    private final Cache<String, Boolean> markedRecently = Caffeine.newBuilder().expireAfterWrite(COARSENESS)
            .maximumSize(200_000).build();
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final Duration writeTimeout;

    @Autowired
    RequestedNumbers(DatabaseClient db, GatewayProperties properties) {
        // Above a connection's acquisition and the statement's own limit together, each this long.
        this(db, properties.gateway().databaseTimeout().multipliedBy(3));
    }

    RequestedNumbers(DatabaseClient db, Duration writeTimeout) {
        this.db = db;
        this.writeTimeout = writeTimeout;
    }

    void mark(String numberHash) {
        if (pending.size() < MAX_PENDING && markedRecently.asMap().putIfAbsent(numberHash, Boolean.TRUE) == null) {
            pending.add(numberHash);
        }
    }

    @Scheduled(fixedDelay = 1000)
    void write() {
        if (pending.isEmpty()) {
            return;
        }
        List<String> batch = new ArrayList<>(pending);
        pending.removeAll(batch);
        db.sql("""
                UPDATE phone_reputation SET last_requested_at = now()
                 WHERE number_hash = ANY(CAST(:hashes AS char(64)[]))
                   AND (last_requested_at IS NULL OR last_requested_at < now() - make_interval(secs => :coarseness))""")
                .bind("hashes", batch.toArray(String[]::new))
                .bind("coarseness", (double) COARSENESS.toSeconds())
                .fetch().rowsUpdated()
                // Timed out inside, so a write that takes too long is a failure like any other,
                // and its numbers are marked again rather than left marked for an hour unwritten.
                .timeout(writeTimeout)
                .doOnError(failure -> {
                    // Marked again on their next hit.
                    markedRecently.invalidateAll(batch);
                    log.warn("Could not mark {} numbers as requested: {}", batch.size(), failure.getClass().getSimpleName());
                })
                .onErrorComplete()
                .block();
    }
}
