package dev.spamcheck.gateway;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.spamcheck.gateway.auth.TokenCommand;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class GatewayApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("tokens")) {
            System.exit(TokenCommand.run(args, System.getenv()));
        }
        builder().run(args);
    }

    /**
     * The application as devstack and the tests start it too. Each service reads its own
     * {@code <service>.yml} so the three can share one class path.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(GatewayApplication.class)
                .properties("spring.config.name=gateway");
    }
}
