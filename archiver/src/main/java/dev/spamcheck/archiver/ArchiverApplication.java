package dev.spamcheck.archiver;

import java.util.Arrays;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.spamcheck.archiver.keys.RotateKeysCommand;
import dev.spamcheck.archiver.replay.ReplayResultsCommand;

@SpringBootApplication
@ConfigurationPropertiesScan
// The nightly job's cron and the key metrics' refresh (NightlyScheduler, CiphertextMetrics).
@EnableScheduling
public class ArchiverApplication {

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
        String[] commandLine = Arrays.copyOf(args, args.length + 2);
        commandLine[args.length] = "--spring.kafka.listener.auto-startup=false";
        commandLine[args.length + 1] = "--spamcheck.nightly.cron=-";
        return builder().web(WebApplicationType.NONE).run(commandLine);
    }
}
