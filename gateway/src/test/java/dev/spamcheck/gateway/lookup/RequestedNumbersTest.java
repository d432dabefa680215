package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.springframework.r2dbc.core.DatabaseClient;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import reactor.core.publisher.Mono;

/** Marking numbers as requested: a write PostgreSQL does not finish in time loses no mark. */
class RequestedNumbersTest {

    private static final String HASH = "a".repeat(64);

    @Test
    void aWriteThatTimesOutHasItsNumbersMarkedAgainOnTheirNextHit() {
        AtomicInteger connectionsAsked = new AtomicInteger();
        ConnectionFactory neverConnects = new ConnectionFactory() {
            @Override
            public Publisher<? extends Connection> create() {
                connectionsAsked.incrementAndGet();
                return Mono.never();
            }

            @Override
            public ConnectionFactoryMetadata getMetadata() {
                return () -> "PostgreSQL";
            }
        };
        RequestedNumbers requested = new RequestedNumbers(DatabaseClient.create(neverConnects), Duration.ofMillis(100));

        requested.mark(HASH);
        requested.write();
        assertThat(connectionsAsked).hasValue(1);

        // Not left as marked for the hour, unwritten: the next hit marks it, and it is written again.
        requested.mark(HASH);
        requested.write();
        assertThat(connectionsAsked).hasValue(2);
    }
}
