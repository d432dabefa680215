package dev.spamcheck.load;

import static io.gatling.javaapi.core.CoreDsl.details;

import java.util.ArrayList;
import java.util.List;

import io.gatling.javaapi.core.Assertion;

/**
 * Gatling writes its statistics only into its HTML report; an assertion that always holds
 * prints its measured value on the console instead ({@code measured / hit: 99th percentile of
 * response time is greater than or equal to 0.0 : true (actual : 7.0)}), which bin/bench reads.
 * The {@code measured} group alone stands for all measured requests together.
 */
final class Report {

    private Report() {
    }

    /** The statistics of the measured requests together and of each named one. */
    static List<Assertion> of(String... requests) {
        List<Assertion> assertions = new ArrayList<>();
        assertions.add(details(Phases.MEASURED).responseTime().percentile(95.0).gte(0));
        assertions.add(details(Phases.MEASURED).responseTime().percentile(99.0).gte(0));
        for (String request : requests) {
            assertions.add(details(Phases.MEASURED, request).successfulRequests().count().gte(0L));
            assertions.add(details(Phases.MEASURED, request).failedRequests().count().gte(0L));
            assertions.add(details(Phases.MEASURED, request).responseTime().percentile(50.0).gte(0));
            assertions.add(details(Phases.MEASURED, request).responseTime().percentile(95.0).gte(0));
            assertions.add(details(Phases.MEASURED, request).responseTime().percentile(99.0).gte(0));
            assertions.add(details(Phases.MEASURED, request).responseTime().max().gte(0));
        }
        return assertions;
    }

    /** The statistics of the measured calls straight to the Twilio stub. */
    static List<Assertion> ofStub() {
        return List.of(
                details(Phases.STUB, Phases.STUB).successfulRequests().count().gte(0L),
                details(Phases.STUB, Phases.STUB).failedRequests().count().gte(0L),
                details(Phases.STUB, Phases.STUB).responseTime().percentile(50.0).gte(0),
                details(Phases.STUB, Phases.STUB).responseTime().percentile(95.0).gte(0),
                details(Phases.STUB, Phases.STUB).responseTime().percentile(99.0).gte(0),
                details(Phases.STUB, Phases.STUB).responseTime().max().gte(0));
    }
}
