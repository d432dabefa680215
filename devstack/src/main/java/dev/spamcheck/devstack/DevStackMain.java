package dev.spamcheck.devstack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.boot.convert.DurationStyle;

import dev.spamcheck.schemas.testing.EmbeddedPostgres;

/**
 * {@code bin/devstack}: starts everything, prints how to call it, and runs until SIGTERM or
 * Ctrl+C.
 */
public final class DevStackMain {

    static final String WARM_UP_NUMBER = "+12125550100";

    private DevStackMain() {
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Path home = Path.of(env("SPAMCHECK_HOME", ".devstack")).toAbsolutePath();
        Files.createDirectories(home.resolve("logs"));
        // bin/devstack points java.io.tmpdir (where the Kafka broker keeps its logs) into the home.
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        System.setProperty("spamcheck.log-dir", home.resolve("logs").toString());

        DevStack.Options options = new DevStack.Options(home,
                Integer.parseInt(env("SPAMCHECK_HTTP_PORT", "8080")),
                Integer.parseInt(env("SPAMCHECK_MANAGEMENT_PORT", "8081")),
                DurationStyle.detectAndParse(env("SPAMCHECK_STUB_LATENCY", "150ms")),
                Map.of(), System.getenv("SPAMCHECK_DEV_TOKEN"), System.getenv("SPAMCHECK_DEV_ADMIN_TOKEN"));
        System.out.println("Starting spamcheck devstack (state and logs in " + home + ") ...");
        AtomicReference<DevStack> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        // Before the start, so Ctrl+C while starting stops what has started too: PostgreSQL runs
        // detached from this process (pg_ctl) and would outlive it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping spamcheck devstack ...");
            // Kafka's test kit deletes the broker's directories from a shutdown hook of its own,
            // racing this one: its complaints about missing files are noise here.
            silence("org.apache.kafka", "kafka", "state.change.logger", "org.springframework.kafka");
            try {
                DevStack stack = running.get();
                if (stack != null) {
                    stack.close();
                }
                else {
                    EmbeddedPostgres.stopIfRunning(home);
                }
            }
            catch (Exception ex) {
                System.err.println("Devstack did not stop cleanly: " + ex);
            }
            stopped.countDown();
        }, "devstack-shutdown"));
        DevStack stack = DevStack.start(options);
        running.set(stack);
        warmUp(stack.baseUrl(), stack.lookupToken());

        String url = stack.baseUrl();
        System.out.printf("""

                spamcheck devstack is ready in %.1f s

                  API            %s/api/v1/spam_score
                  Health         http://127.0.0.1:%s/actuator/health (gateway), %s/actuator/health (worker),
                                 http://127.0.0.1:%s/actuator/health (archiver), http://127.0.0.1:%s/actuator/health (notifier)
                  PostgreSQL     %s  (user %s, no password)
                  Kafka          %s
                  Twilio stub    %s  (magic numbers: docs/testing.md, "Twilio stub")
                  Logs           %s

                  Lookup token   %s
                  Admin token    %s
                  (fix them with SPAMCHECK_DEV_TOKEN and SPAMCHECK_DEV_ADMIN_TOKEN)

                Try it:

                  curl -s -X POST %s/api/v1/spam_score \\
                       -H 'Authorization: Bearer %s' \\
                       -H 'Content-Type: application/json' \\
                       -d '{"phone_number": "+12125550123"}'

                  (a number ending in 0001-0099 is flagged: +12125550042)

                Stop with Ctrl+C or SIGTERM.
                """, (System.nanoTime() - started) / 1e9, url, options.managementPort(), stack.workerManagementUrl(),
                DevStack.port(stack.archivers().get(0)), DevStack.port(stack.notifiers().get(0)), stack.jdbcUrl(),
                stack.databaseUser(), stack.kafkaBootstrapServers(), stack.twilio().baseUrl(),
                home.resolve("logs"), stack.lookupToken(), stack.adminToken(), url, stack.lookupToken());
        stopped.await();
    }

    /**
     * One lookup through every component, so the first caller is not the one who pays for a cold
     * JVM. The number ends in 0100 (clean) and is reserved for this.
     */
    private static void warmUp(String baseUrl, String token) throws Exception {
        HttpRequest lookup = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/spam_score"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone_number\": \"" + WARM_UP_NUMBER + "\"}"))
                .build();
        HttpClient.newHttpClient().send(lookup, HttpResponse.BodyHandlers.discarding());
    }

    private static void silence(String... loggers) {
        for (String name : loggers) {
            if (org.slf4j.LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.OFF);
            }
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
