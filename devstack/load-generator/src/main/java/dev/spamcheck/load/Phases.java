package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;

import io.gatling.javaapi.core.ChainBuilder;

/**
 * Puts each request in the group of the phase it starts in: {@code warmup} until
 * {@code load.warmup} has passed since the simulation began (the JIT compilers of both sides at
 * work), then {@code measured}, which is what bin/bench reports.
 */
final class Phases {

    static final String MEASURED = "measured";

    private final long start = System.nanoTime();
    private final Duration warmup = Target.warmup();

    /** One spam score request for the session's {@code number}, expected to be answered 200. */
    ChainBuilder request(String name) {
        ChainBuilder request = exec(http(name).post(Target.path()).body(StringBody(Target.body()))
                .check(status().is(200)));
        return doIfOrElse(session -> System.nanoTime() - start < warmup.toNanos())
                .then(group("warmup").on(request))
                .orElse(group(MEASURED).on(request));
    }
}
