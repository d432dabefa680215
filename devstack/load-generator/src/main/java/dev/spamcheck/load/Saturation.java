package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.csv;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;

/**
 * The most a target answers: {@code load.users} callers (default 32), each on its own kept-alive
 * connection, sending the next request as soon as the last is answered, for {@code load.warmup}
 * plus {@code load.duration}. Numbers from the CSV {@code load.numbers} (column {@code number}),
 * round and round.
 */
public class Saturation extends Simulation {

    {
        Phases phases = new Phases();
        setUp(scenario("saturation")
                .during(Target.warmup().plus(Target.duration())).on(
                        feed(csv(System.getProperty("load.numbers")).circular()).exec(phases.request("request")))
                .injectOpen(atOnceUsers(Integer.getInteger("load.users", 32))))
                .protocols(Target.protocol())
                .assertions(Report.of("request"));
    }

    @Override
    public void after() {
        Phases.done();
    }
}
