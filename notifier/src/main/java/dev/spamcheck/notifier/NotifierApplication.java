package dev.spamcheck.notifier;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Tells users the moment one of their numbers turns: finds reputation changes and sums campaign
 * health over the results (Kafka Streams), and delivers the changes to webhook subscriptions.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class NotifierApplication {

    public static void main(String[] args) {
        builder().run(args);
    }

    /**
     * The application as devstack and the tests start it too; it reads {@code notifier.yml}. Its
     * only HTTP server is the management port (health, Prometheus).
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(NotifierApplication.class)
                .web(WebApplicationType.REACTIVE)
                .properties("spring.config.name=notifier");
    }
}
