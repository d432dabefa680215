package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;

/**
 * An operator may turn any logger up, as {@code logging.level.web=debug} does, without the log
 * gaining a phone number: the gateway reads request bodies itself, not through Spring's codecs,
 * which print what they decode.
 */
class LogLevelSystemTest {

    private static final List<String> LOGGERS = List.of("org.springframework", "reactor", "io.netty", "dev.spamcheck",
            "io.r2dbc");

    @Test
    void noLogLevelPrintsARequestBodyWithANumber() throws Exception {
        Path log = Path.of("target", "devstack-tests.log");
        long before = Files.size(log);
        String looked = TestStack.uniqueNumber("0123");
        String unformatted = TestStack.uniqueNumber("0123");
        String invalid = unformatted.substring(0, 2) + " " + unformatted.substring(2);
        String history = TestStack.uniqueNumber("0042");

        Map<String, Level> levels = raise(Level.TRACE);
        try {
            assertThat(TestStack.lookUp(looked).statusCode()).isEqualTo(200);
            assertThat(TestStack.lookUp(invalid).statusCode()).isEqualTo(400);
            assertThat(AdminApi.post("/api/v1/admin/numbers/history", "{\"phone_number\": \"" + history + "\"}")
                    .statusCode()).isEqualTo(200);
        }
        finally {
            restore(levels);
        }

        String written = Files.readString(log).substring((int) before);
        assertThat(written).as("the loggers were on").contains("TRACE");
        for (String number : List.of(looked, unformatted, history)) {
            assertThat(written).doesNotContain(number.substring(2));
        }
    }

    private static Map<String, Level> raise(Level level) {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        Map<String, Level> previous = new LinkedHashMap<>();
        for (String name : LOGGERS) {
            previous.put(name, logback.getLogger(name).getLevel());
            logback.getLogger(name).setLevel(level);
        }
        return previous;
    }

    private static void restore(Map<String, Level> levels) {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        levels.forEach((name, level) -> logback.getLogger(name).setLevel(level));
    }
}
