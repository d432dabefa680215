package dev.spamcheck.devstack.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.spamcheck.devstack.DevStack;

/**
 * Two clients (two lookup tokens) of one account: the quiet one looks up new numbers one after
 * the other, first on the idle system, then while the bursting one keeps many times more lookups
 * of new numbers outstanding than the account's rate allows. What the quiet client waits is compared with
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
     * @param burstStatuses the answers the bursting client got, its first {@code burst} lookups and
     *        those it asked for again until the quiet client's last lookup was answered
     */
    public record Report(int burst, List<Long> idleMillis, long arrivalMillis, List<Long> loadedMillis,
            List<Integer> loadedStatuses, List<Integer> burstStatuses) implements IdleAndLoaded {

        @Override
        public String toString() {
            return "burst " + burst + ": quiet client idle " + idleMillis + " ms, as the burst arrives " + arrivalMillis
                    + " ms, during the burst " + loadedMillis
                    + " ms " + loadedStatuses + ", bursting client's answers " + burstStatuses.size();
        }
    }

    public static Report run(DevStack stack, String gatewayUrl, int burst, int samples) throws Exception {
        String quiet = Traffic.newLookupToken(stack, gatewayUrl, "quiet client");
        String bursting = Traffic.newLookupToken(stack, gatewayUrl, "bursting client");
        // Not counted: the first lookups of a new token warm its path (the token's first check, JIT).
        Traffic.sequentialLookups(gatewayUrl, quiet, 3, new ArrayList<>());
        List<Long> idle = Traffic.sequentialLookups(gatewayUrl, quiet, samples, new ArrayList<>());

        ExecutorService callers = Executors.newFixedThreadPool(burst);
        AtomicBoolean measured = new AtomicBoolean();
        List<Integer> burstStatuses = Collections.synchronizedList(new ArrayList<>());
        Set<String> firstNumbers = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Void>> callerLoops = new ArrayList<>();
        try {
            // Each caller asks for a new number again as soon as it has its answer (200, or 503 once
            // its turn did not come within the lookup timeout), so the burst keeps `burst` lookups
            // outstanding until the quiet client's last one is answered, however long that takes.
            for (int i = 0; i < burst; i++) {
                String first = Traffic.uniqueNumber("0123");
                firstNumbers.add(first);
                callerLoops.add(CompletableFuture.runAsync(() -> {
                    String number = first;
                    do {
                        burstStatuses.add(Traffic.lookUp(gatewayUrl, bursting, number).statusCode());
                        number = Traffic.uniqueNumber("0123");
                    } while (!measured.get());
                }, callers));
            }
            // Contended: the burst has started calling Twilio. One pass over the stub's journal per look.
            while (stack.twilio().calledNumbers().stream().filter(firstNumbers::contains).count() < 10) {
                Thread.sleep(10);
            }
            List<Integer> loadedStatuses = new ArrayList<>();
            List<Long> arrival = Traffic.sequentialLookups(gatewayUrl, quiet, 1, loadedStatuses);
            List<Long> loaded = Traffic.sequentialLookups(gatewayUrl, quiet, samples, loadedStatuses);
            measured.set(true);
            CompletableFuture.allOf(callerLoops.toArray(CompletableFuture[]::new)).join();
            return new Report(burst, idle, arrival.get(0), loaded, loadedStatuses, List.copyOf(burstStatuses));
        }
        finally {
            measured.set(true);
            callerLoops.forEach(loop -> loop.exceptionally(failure -> null).join());
            callers.shutdown();
        }
    }
}
