package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.gatling.javaapi.core.ChainBuilder;

/**
 * Puts each request in the group of the phase it starts in: {@code warmup} until
 * {@code load.warmup} has passed since the first request (the JIT compilers of both sides at
 * work), then {@code measured}, which is what bin/bench reports. Counted from the first request,
 * not from the simulation's construction: Gatling takes up to a second to start injecting, which
 * would shorten the warm-up and lengthen the measured phase beyond {@code load.duration}. Prints
 * {@link #MEASURING} as the first measured request starts and {@link #DONE} after the load, for
 * bin/bench to measure the target's CPU over the very requests measured here.
 */
final class Phases {

    static final String MEASURED = "measured";
    /** The measured calls straight to the Twilio stub: a group of their own, never among the lookups. */
    static final String STUB = "stub";
    static final String MEASURING = "load: measuring";
    static final String DONE = "load: done";

    private final AtomicLong start = new AtomicLong(Long.MIN_VALUE);
    private final Duration warmup = Target.warmup();
    private final AtomicBoolean measuring = new AtomicBoolean();

    /** One spam score request for the session's {@code number}, expected to be answered 200. */
    ChainBuilder request(String name) {
        return phased(exec(http(name).post(Target.path()).body(StringBody(Target.body()))
                .check(status().is(200))), MEASURED);
    }

    /** One Twilio Lookup for the session's {@code number} (already URL-encoded), straight at the stub. */
    ChainBuilder stubCall() {
        return phased(exec(http(STUB).get(Target.stubPath()).check(status().is(200))), STUB);
    }

    private ChainBuilder phased(ChainBuilder request, String measuredGroup) {
        return doIfOrElse(session -> warmingUp())
                .then(group("warmup").on(request))
                .orElse(group(measuredGroup).on(request));
    }

    /** For a simulation's {@code after()}: every request has been answered. */
    static void done() {
        System.out.println(DONE);
    }

    private boolean warmingUp() {
        long now = System.nanoTime();
        start.compareAndSet(Long.MIN_VALUE, now);
        boolean warmingUp = now - start.get() < warmup.toNanos();
        if (!warmingUp && measuring.compareAndSet(false, true)) {
            System.out.println(MEASURING);
        }
        return warmingUp;
    }
}
