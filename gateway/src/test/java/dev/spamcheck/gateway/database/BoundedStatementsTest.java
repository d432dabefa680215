package dev.spamcheck.gateway.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

import dev.spamcheck.gateway.TestProperties;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.ProblemResponder;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class BoundedStatementsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aStatementPostgresDoesNotAnswerFailsAfterTheTimeoutAsAnOutageWould() {
        StepVerifier.withVirtualTime(() -> Flux.<Result>from(new BoundedStatements(TIMEOUT).execute(new Answering(Flux.never()))))
                .expectSubscription()
                .expectNoEvent(TIMEOUT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(failure -> {
                    assertThat(failure).isInstanceOf(R2dbcTimeoutException.class)
                            .hasMessage("PostgreSQL did not answer within PT5S");
                    // What the caller is told: come back later, as during an outage.
                    assertThat(ProblemResponder.translate(failure).errorCode()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
                    assertThat(ProblemResponder.translate(failure).retryAfter()).isPositive();
                    assertThat(ProblemResponder.translate(failure).getMessage())
                            .isEqualTo("Storage did not answer in time; try again shortly");
                })
                .verify();
    }

    @Test
    void rowsPostgresDoesNotSendFailAtTheDeadlineCountedFromTheExecution() {
        // As the driver does: the result at once, its rows when PostgreSQL answers.
        Result pending = new Pending();
        StepVerifier.withVirtualTime(() -> Flux.<Result>from(new BoundedStatements(TIMEOUT).execute(new Answering(Flux.just(pending))))
                        .delayElements(Duration.ofSeconds(2))
                        .flatMap(result -> result.map((row, metadata) -> row)))
                .expectSubscription()
                .expectNoEvent(TIMEOUT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectError(R2dbcTimeoutException.class)
                .verify();
    }

    @Test
    void anAnswerWithinTheTimeoutPassesUnchanged() {
        // The result after 4 s, its count another 900 ms later: within the 5 s.
        StepVerifier.withVirtualTime(() -> Flux.<Result>from(new BoundedStatements(TIMEOUT)
                        .execute(new Answering(Mono.<Result>just(new Updated()).delayElement(Duration.ofSeconds(4)))))
                        .flatMap(Result::getRowsUpdated))
                .thenAwait(TIMEOUT)
                .expectNext(3L)
                .verifyComplete();
    }

    @Test
    void theTimeoutIsFiveSecondsUnlessConfigured() {
        assertThat(TestProperties.gateway(Map.of()).gateway().databaseTimeout()).isEqualTo(TIMEOUT);
        assertThat(TestProperties.gateway(Map.of("spamcheck.gateway.database-timeout", "2s")).gateway()
                .databaseTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    /** A statement whose execution yields what it is given. */
    private record Answering(Publisher<? extends Result> results) implements Statement {

        @Override
        public Statement add() {
            return this;
        }

        @Override
        public Statement bind(int index, Object value) {
            return this;
        }

        @Override
        public Statement bind(String name, Object value) {
            return this;
        }

        @Override
        public Statement bindNull(int index, Class<?> type) {
            return this;
        }

        @Override
        public Statement bindNull(String name, Class<?> type) {
            return this;
        }

        @Override
        public Publisher<? extends Result> execute() {
            return results;
        }
    }

    /** Three rows updated, told 900 ms after the result. */
    private static final class Updated extends EmptyResult {

        @Override
        public Publisher<Long> getRowsUpdated() {
            return Mono.just(3L).delayElement(Duration.ofMillis(900));
        }
    }

    /** A result whose rows never come. */
    private static final class Pending extends EmptyResult {

        @Override
        public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mapping) {
            return Flux.never();
        }
    }

    private static class EmptyResult implements Result {

        @Override
        public Publisher<Long> getRowsUpdated() {
            return Flux.empty();
        }

        @Override
        public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mapping) {
            return Flux.empty();
        }

        @Override
        public Result filter(Predicate<Result.Segment> filter) {
            return this;
        }

        @Override
        public <T> Publisher<T> flatMap(Function<Result.Segment, ? extends Publisher<? extends T>> mapping) {
            return Flux.empty();
        }
    }
}
