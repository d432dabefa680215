package dev.spamcheck.gateway.database;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

import dev.spamcheck.gateway.GatewayProperties;
import io.r2dbc.spi.ConnectionFactory;

/**
 * The one {@link DatabaseClient} of the gateway, in place of Spring Boot's: every query any part
 * of the gateway runs is bounded by {@code spamcheck.gateway.database-timeout} without anyone
 * remembering to bound it. Waiting for a pooled connection is bounded by the same setting
 * ({@code spring.r2dbc.pool.max-acquire-time} in gateway.yml).
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    @Bean
    DatabaseClient databaseClient(ConnectionFactory connectionFactory, GatewayProperties properties) {
        return DatabaseClient.builder()
                .connectionFactory(connectionFactory)
                .executeFunction(new BoundedStatements(properties.gateway().databaseTimeout()))
                .build();
    }
}
