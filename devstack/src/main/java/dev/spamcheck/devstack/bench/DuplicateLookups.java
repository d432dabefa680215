package dev.spamcheck.devstack.bench;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.spamcheck.devstack.DevStack;

/**
 * Many callers asking for the same few numbers at once, with two tokens, through several gateways
 * and workers: Twilio must be paid once per number.
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

    /**
     * Sends {@code requests} concurrent lookups for {@code distinct} new numbers, round-robin over the
     * gateways, each number asked for by both tokens at each gateway.
     */
    public static Report run(DevStack stack, List<String> gatewayUrls, int requests, int distinct) throws Exception {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            numbers.add(Traffic.uniqueNumber(String.format("%04d", 1100 + (i % 2900))));
        }
        // Each client waits for a lookup of its own at a gateway: the worker must still pay once.
        List<String> tokens = List.of(stack.lookupToken(),
                Traffic.newLookupToken(stack, gatewayUrls.get(0), "duplicate lookups, second caller"));
        ExecutorService callers = Executors.newFixedThreadPool(Math.min(requests, 200));
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                // Each number through every gateway, by each token (with i % gateways, an even count
                // of numbers would send each number through one gateway only).
                String url = gatewayUrls.get(i / distinct % gatewayUrls.size());
                String number = numbers.get(i % distinct);
                String token = tokens.get(i / (distinct * gatewayUrls.size()) % tokens.size());
                answers.add(callers.submit(() -> Traffic.lookUp(url, token, number)));
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
