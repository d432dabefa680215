package dev.spamcheck.worker;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class LookupWorkerApplication {

    public static void main(String[] args) {
        builder().run(args);
    }

    /**
     * The application as devstack and the tests start it too; it reads {@code lookup-worker.yml}.
     * Its only HTTP server is the management port (health, Prometheus).
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(LookupWorkerApplication.class)
                .web(WebApplicationType.REACTIVE)
                .properties("spring.config.name=lookup-worker");
    }
}
