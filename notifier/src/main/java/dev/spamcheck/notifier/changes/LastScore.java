package dev.spamcheck.notifier.changes;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A number's last definitive score and when it was checked, as {@link ChangeDetector}'s store keeps
 * it. The store's format, {@code "<score> <checked_at>"}, predates typed topics; the serde keeps it,
 * so a deployment's existing state (and its changelog topic) reads as it is.
 */
record LastScore(int score, Instant checkedAt) {

    static Serde<LastScore> serde() {
        Serializer<LastScore> serializer = (topic, last) -> last == null ? null
                : (last.score + " " + last.checkedAt).getBytes(StandardCharsets.UTF_8);
        Deserializer<LastScore> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            int space = text.indexOf(' ');
            try {
                return new LastScore(Integer.parseInt(text.substring(0, space)),
                        Instant.parse(text.substring(space + 1)));
            }
            catch (RuntimeException ex) {
                // Stored before results without checked_at were refused ("1 null"): read as no last
                // score, so the number's next answer counts as its first rather than failing the
                // application on every start.
                return null;
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
