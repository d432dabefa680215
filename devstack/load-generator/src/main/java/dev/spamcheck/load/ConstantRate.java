package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * An open model: requests arrive at {@code load.rate} per second whatever the answers take, as
 * independent callers do, so a slow answer never hides the ones that would have queued behind it
 * (no coordinated omission). {@code hit}s take numbers from the CSV {@code load.numbers}, round
 * and round; with {@code load.miss-share} above 0 that share of the rate are {@code miss}es, each
 * a number from {@code load.miss-numbers} used once. With {@code load.stub-url} set, the Twilio
 * stub is also called straight, as a worker calls it, at the misses' rate ({@code stub}, numbers
 * from {@code load.stub-numbers} round and round): a miss's baseline, measured by the same client
 * over the same minute. Runs for {@code load.warmup} plus {@code load.duration}.
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
        boolean stub = missShare > 0 && !System.getProperty("load.stub-url", "").isEmpty();
        if (stub) {
            streams.add(scenario("stub").feed(csv(System.getProperty("load.stub-numbers")).circular())
                    .exec(phases.stubCall())
                    .injectOpen(constantUsersPerSec(Target.rate() * missShare).during(total))
                    .protocols(Target.stubProtocol().shareConnections()));
        }
        List<Assertion> assertions = new ArrayList<>(
                missShare > 0 ? Report.of("hit", "miss") : Report.of("hit"));
        if (stub) {
            assertions.addAll(Report.ofStub());
        }
        setUp(streams).protocols(Target.protocol().shareConnections()).assertions(assertions);
    }

    @Override
    public void after() {
        Phases.done();
    }
}
