package dev.spamcheck.gateway.database;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.reactivestreams.Publisher;
import org.springframework.r2dbc.core.ExecuteFunction;

import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.RowMetadata;
import io.r2dbc.spi.Statement;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Gives every statement the gateway runs at most the database timeout, from its execution to its
 * last row. A PostgreSQL that stalls rather than fails (a table locked by a migration or a
 * {@code VACUUM FULL}, an overloaded pooler, a network that drops packets) would otherwise hold
 * each request behind it, every request behind the token check among them, for as long as the
 * stall lasts. The failure is an {@link R2dbcTimeoutException}, transient like an outage: answered
 * 503 with {@code Retry-After}.
 *
 * <p>The driver hands out a statement's result before PostgreSQL has answered; its rows come
 * later, so the results are bounded too, by the same deadline.
 */
final class BoundedStatements implements ExecuteFunction {

    private final Duration timeout;

    BoundedStatements(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Publisher<? extends Result> execute(Statement statement) {
        // One deadline from the execution on, for everything the statement yields.
        Scheduler clock = Schedulers.parallel();
        long due = clock.now(TimeUnit.NANOSECONDS) + timeout.toNanos();
        Mono<Long> deadline = Mono.defer(
                () -> Mono.delay(Duration.ofNanos(Math.max(0, due - clock.now(TimeUnit.NANOSECONDS))), clock));
        return bounded(Flux.from(statement.execute()), deadline).map(result -> new BoundedResult(result, deadline));
    }

    private <T> Flux<T> bounded(Flux<T> signals, Mono<Long> deadline) {
        return signals.timeout(deadline, next -> deadline)
                .onErrorMap(TimeoutException.class,
                        stalled -> new R2dbcTimeoutException("PostgreSQL did not answer within " + timeout, stalled));
    }

    private final class BoundedResult implements Result {

        private final Result result;
        private final Mono<Long> deadline;

        BoundedResult(Result result, Mono<Long> deadline) {
            this.result = result;
            this.deadline = deadline;
        }

        @Override
        public Publisher<Long> getRowsUpdated() {
            return bounded(Flux.from(result.getRowsUpdated()), deadline);
        }

        @Override
        public <T> Publisher<T> map(BiFunction<Row, RowMetadata, ? extends T> mapping) {
            return bounded(Flux.from(result.map(mapping)), deadline);
        }

        @Override
        public <T> Publisher<T> map(Function<? super Readable, ? extends T> mapping) {
            return bounded(Flux.from(result.map(mapping)), deadline);
        }

        @Override
        public Result filter(Predicate<Segment> filter) {
            return new BoundedResult(result.filter(filter), deadline);
        }

        @Override
        public <T> Publisher<T> flatMap(Function<Segment, ? extends Publisher<? extends T>> mapping) {
            return bounded(Flux.from(result.flatMap(mapping)), deadline);
        }
    }
}
