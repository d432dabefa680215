package dev.spamcheck.archiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.spamcheck.archiver.keys.RotateKeysCommand;
import dev.spamcheck.archiver.replay.ReplayResultsCommand;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ArchiverApplication {

    /**
     * The nightly job's cron and catch-up and the key metrics' refresh (NightlyScheduler,
     * CiphertextMetrics): in the running archiver only, which serves its management port; a
     * one-off command has no web server, and takes over none of its schedules.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication
    @EnableScheduling
    static class Schedules {
    }

    /** What a one-off command never does: take the running archivers' triggers, audit events or schedule. */
    private static final List<String> COMMAND_OVERRIDES = List.of("--spring.kafka.listener.auto-startup=false",
            "--spamcheck.nightly.cron=-");

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("replay-results")) {
            System.exit(ReplayResultsCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("rotate-keys")) {
            System.exit(RotateKeysCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        builder().run(args);
    }

    /**
     * The application as devstack and the tests start it too; it reads {@code archiver.yml}. Its
     * only HTTP server is the management port (health, Prometheus).
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ArchiverApplication.class)
                .web(WebApplicationType.REACTIVE)
                .properties("spring.config.name=archiver");
    }

    /**
     * The archiver for a one-off command (key rotation, replay): its configuration and beans, but
     * no web server, and no trigger, audit event or schedule of the running archivers taken over.
     */
    public static ConfigurableApplicationContext command(String... args) {
        // Replaced, not added to: Spring joins an option given twice with a comma, and a cron of
        // "0 0 2 * * *,-" failed the command at start.
        List<String> names = COMMAND_OVERRIDES.stream().map(option -> option.substring(0, option.indexOf('=') + 1))
                .toList();
        List<String> commandLine = new ArrayList<>();
        for (String arg : args) {
            if (names.stream().noneMatch(arg::startsWith)) {
                commandLine.add(arg);
            }
        }
        commandLine.addAll(COMMAND_OVERRIDES);
        return builder().web(WebApplicationType.NONE).run(commandLine.toArray(String[]::new));
    }
}
