package dev.spamcheck.archiver.keys;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * {@code spamcheck_number_ciphertexts{key}}: rows of {@code phone_reputation} per encryption key,
 * counted at start, every ten minutes and after each rotation (a count scans the table, too much
 * for every scrape); each count is also what {@code GET /api/v1/admin/keys} shows.
 */
@Component
class CiphertextMetrics {

    private final CachedCiphertexts ciphertexts;
    private final MultiGauge rowsByKey;

    CiphertextMetrics(CachedCiphertexts ciphertexts, MeterRegistry meters) {
        this.ciphertexts = ciphertexts;
        this.rowsByKey = MultiGauge.builder("spamcheck.number.ciphertexts")
                .description("Cached numbers (phone_reputation rows) per encryption key id").register(meters);
    }

    @Scheduled(fixedDelay = 10, timeUnit = TimeUnit.MINUTES)
    void refresh() {
        record(ciphertexts.countByKey());
    }

    void record(Map<String, Long> rowsPerKey) {
        rowsByKey.register(rowsPerKey.entrySet().stream()
                .map(entry -> MultiGauge.Row.of(Tags.of("key", entry.getKey()), entry.getValue()))
                .collect(Collectors.toList()), true);
    }
}
