package dev.spamcheck.devstack.bench;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.spamcheck.devstack.DevStack;

/**
 * Two clients (two lookup tokens) of one account: the quiet one looks up new numbers one after
 * the other, first on the idle system, then while the bursting one has asked for many times more
 * new numbers than the account's rate allows at once. What the quiet client waits is compared with
 * what it waited alone (issue 21: its p95 within 1.5 times).
 */
public final class BurstingClient {

    private BurstingClient() {
    }

    /**
     * @param idleMillis the quiet client's lookups on the idle system
     * @param arrivalMillis its first lookup as the burst arrives (the gateways taking 400 new
     *        connections and requests at once on the same two cores)
     * @param loadedMillis its lookups after that, while the burst was being looked up
     * @param burstStatuses the answers the bursting client got
     * @param outlasted whether the burst was still being looked up when the measurement ended
     */
    public record Report(int burst, List<Long> idleMillis, long arrivalMillis, List<Long> loadedMillis,
            List<Integer> loadedStatuses, List<Integer> burstStatuses, boolean outlasted) implements IdleAndLoaded {

        @Override
        public String toString() {
            return "burst " + burst + ": quiet client idle " + idleMillis + " ms, as the burst arrives " + arrivalMillis
                    + " ms, during the burst " + loadedMillis
                    + " ms " + loadedStatuses + (outlasted ? "" : " (the burst ended first)");
        }
    }

    public static Report run(DevStack stack, String gatewayUrl, int burst, int samples) throws Exception {
        String quiet = Traffic.newLookupToken(stack, gatewayUrl, "quiet client");
        String bursting = Traffic.newLookupToken(stack, gatewayUrl, "bursting client");
        // Not counted: the first lookups of a new token warm its path (the token's first check, JIT).
        Traffic.sequentialLookups(gatewayUrl, quiet, 3, new ArrayList<>());
        List<Long> idle = Traffic.sequentialLookups(gatewayUrl, quiet, samples, new ArrayList<>());

        ExecutorService callers = Executors.newFixedThreadPool(burst);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try {
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                String number = Traffic.uniqueNumber("0123");
                numbers.add(number);
                calls.add(CompletableFuture.supplyAsync(() -> Traffic.lookUp(gatewayUrl, bursting, number), callers));
            }
            // Contended: the burst has started calling Twilio and has far more to go.
            while (numbers.stream().filter(number -> stack.twilio().callsFor(number) >= 1).count() < 10) {
                Thread.sleep(10);
            }
            List<Integer> loadedStatuses = new ArrayList<>();
            List<Long> arrival = Traffic.sequentialLookups(gatewayUrl, quiet, 1, loadedStatuses);
            List<Long> loaded = Traffic.sequentialLookups(gatewayUrl, quiet, samples, loadedStatuses);
            // Measured under contention only if the burst outlasted the measurement.
            boolean outlasted = !calls.stream().allMatch(CompletableFuture::isDone);
            List<Integer> burstStatuses = calls.stream().map(call -> call.join().statusCode()).toList();
            return new Report(burst, idle, arrival.get(0), loaded, loadedStatuses, burstStatuses, outlasted);
        }
        finally {
            calls.forEach(call -> call.exceptionally(failure -> null).join());
            callers.shutdown();
        }
    }
}
