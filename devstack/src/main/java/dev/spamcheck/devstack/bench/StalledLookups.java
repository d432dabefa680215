package dev.spamcheck.devstack.bench;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.spamcheck.devstack.DevStack;

/**
 * Lookups of unrelated new numbers while lookups of numbers whose Twilio answer stalls (the stub's
 * {@code …7777}) are in flight, against the same lookups on the idle system. The stalled calls all
 * started more than a rate window earlier, so what is measured is blocking, not the rate limit.
 * Shared by {@code bin/bench} and the system tests.
 */
public final class StalledLookups {

    private StalledLookups() {
    }

    /**
     * @param statuses the answers the stalled lookups finally got (503: Twilio never answered)
     * @param idleMillis unrelated lookups, one after the other, on the idle system
     * @param loadedMillis the same while every stalled lookup was in flight
     */
    public record Report(int stalled, List<Integer> statuses, List<Long> idleMillis, List<Long> loadedMillis,
            List<Integer> loadedStatuses) implements IdleAndLoaded {

        @Override
        public String toString() {
            return "stalled " + stalled + ": idle " + idleMillis + " ms, during stalls " + loadedMillis + " ms";
        }
    }

    public static Report run(DevStack stack, String gatewayUrl, int stalled, int samples) throws Exception {
        // At a rate an earlier scenario's 429s cut, the stalled calls would start too far apart.
        stack.awaitTwilioRate(Duration.ofSeconds(60));
        List<Integer> idleStatuses = new ArrayList<>();
        List<Long> idle = Traffic.sequentialLookups(gatewayUrl, stack.lookupToken(), samples, idleStatuses);

        ExecutorService callers = Executors.newFixedThreadPool(stalled);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        try {
            List<String> numbers = new ArrayList<>();
            for (int i = 0; i < stalled; i++) {
                String number = Traffic.uniqueNumber("7777");
                numbers.add(number);
                calls.add(CompletableFuture.supplyAsync(() -> Traffic.lookUp(gatewayUrl, stack.lookupToken(), number),
                        callers));
            }
            // Bounded: a stalled lookup answered before its call (no rate budget in time) would
            // otherwise keep this waiting for ever.
            long callsDue = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!numbers.stream().allMatch(number -> stack.twilio().callsFor(number) >= 1)) {
                if (System.nanoTime() > callsDue || calls.stream().anyMatch(CompletableFuture::isDone)) {
                    throw new IllegalStateException("Not every stalled lookup reached the Twilio stub: "
                            + (System.nanoTime() > callsDue ? "30 s passed" : "one was answered before its call"));
                }
                Thread.sleep(20);
            }
            Instant lastStarted = numbers.stream().flatMap(number -> stack.twilio().callTimesFor(number).stream())
                    .max(Instant::compareTo).orElseThrow();
            while (Instant.now().isBefore(lastStarted.plusMillis(1100))) {
                Thread.sleep(20);
            }
            List<Integer> loadedStatuses = new ArrayList<>();
            List<Long> loaded = Traffic.sequentialLookups(gatewayUrl, stack.lookupToken(), samples, loadedStatuses);
            if (calls.stream().anyMatch(CompletableFuture::isDone)) {
                throw new IllegalStateException("A stalled lookup ended while unrelated ones were measured: take fewer samples");
            }
            List<Integer> statuses = calls.stream().map(call -> call.join().statusCode()).toList();
            return new Report(stalled, statuses, idle, loaded, loadedStatuses);
        }
        finally {
            // Every stalled lookup is answered (503) within the lookup timeout: wait for it, so no
            // caller is cut off.
            calls.forEach(call -> call.exceptionally(failure -> null).join());
            callers.shutdown();
        }
    }
}
