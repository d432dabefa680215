package dev.spamcheck.devstack.bench;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.spamcheck.devstack.DevStack;

/**
 * Many callers asking for the same few numbers at once, through several gateways and workers:
 * Twilio must be paid once per number.
 */
public final class DuplicateLookups {

    /**
     * @param statuses the HTTP status of every request
     * @param twilioCalls the lookups the Twilio stub received for the numbers
     * @param distinctNumbers how many numbers were asked for
     */
    public record Report(List<Integer> statuses, long twilioCalls, int distinctNumbers) {
    }

    private DuplicateLookups() {
    }

    /** Sends {@code requests} concurrent lookups for {@code distinct} new numbers, round-robin over the gateways. */
    public static Report run(DevStack stack, List<String> gatewayUrls, int requests, int distinct) throws Exception {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            numbers.add(Traffic.uniqueNumber(String.format("%04d", 1100 + (i % 2900))));
        }
        ExecutorService callers = Executors.newFixedThreadPool(Math.min(requests, 200));
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String url = gatewayUrls.get(i % gatewayUrls.size());
                String number = numbers.get(i % distinct);
                answers.add(callers.submit(() -> Traffic.lookUp(url, stack.lookupToken(), number)));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                statuses.add(answer.get().statusCode());
            }
            long calls = numbers.stream().mapToLong(stack.twilio()::callsFor).sum();
            return new Report(statuses, calls, distinct);
        }
        finally {
            callers.shutdownNow();
        }
    }
}
