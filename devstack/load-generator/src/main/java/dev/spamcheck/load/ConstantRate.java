package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * An open model: requests arrive at {@code load.rate} per second whatever the answers take, as
 * independent callers do, so a slow answer never hides the ones that would have queued behind it
 * (no coordinated omission). {@code hit}s take numbers from the CSV {@code load.numbers}, round
 * and round; with {@code load.miss-share} above 0 that share of the rate are {@code miss}es, each
 * a number from {@code load.miss-numbers} used once. Runs for {@code load.warmup} plus
 * {@code load.duration}.
 */
public class ConstantRate extends Simulation {

    {
        Phases phases = new Phases();
        double missShare = Double.parseDouble(System.getProperty("load.miss-share", "0"));
        Duration total = Target.warmup().plus(Target.duration());
        List<PopulationBuilder> streams = new ArrayList<>();
        streams.add(scenario("hits").feed(csv(System.getProperty("load.numbers")).circular())
                .exec(phases.request("hit"))
                .injectOpen(constantUsersPerSec(Target.rate() * (1 - missShare)).during(total)));
        if (missShare > 0) {
            streams.add(scenario("misses").feed(csv(System.getProperty("load.miss-numbers")).queue())
                    .exec(phases.request("miss"))
                    .injectOpen(constantUsersPerSec(Target.rate() * missShare).during(total)));
        }
        setUp(streams).protocols(Target.protocol().shareConnections())
                .assertions(missShare > 0 ? Report.of("hit", "miss") : Report.of("hit"));
    }

    @Override
    public void after() {
        Phases.done();
    }
}
