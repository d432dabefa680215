package dev.spamcheck.devstack.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a thread works for, by its name. In the devstack's JVM the services, the in-process Kafka
 * broker and the Twilio stub share the one JVM, and their threads' names are all that tells them
 * apart (names as {@code jstack} shows them; whatever matches none is "other"). The measured
 * server runs in a process of its own, whose threads {@link #measured} sorts by the same prefixes
 * the kernel shows ({@code /proc/<pid>/task/<tid>/comm}: the first 15 characters).
 */
final class ThreadKinds {

    static final String MEASURED_EVENT_LOOPS = "measured server: HTTP event loops";
    static final String MEASURED_PRODUCER = "measured server: Kafka producer network thread";
    static final String MEASURED_JVM = "measured server: garbage collector, JIT compilers, VM thread";
    static final String MEASURED_OTHER = "measured server: other threads (schedulers, listener, PostgreSQL client)";
    static final String OTHER = "devstack: other Java threads (metrics, schedulers, Twilio stub)";

    /** Checked in this order: a client thread of a service names its group or client id after a {@code |}. */
    private static final Map<String, Pattern> KINDS = kinds();

    private ThreadKinds() {
    }

    static String of(String thread) {
        for (Map.Entry<String, Pattern> kind : KINDS.entrySet()) {
            if (kind.getValue().matcher(thread).find()) {
                return kind.getKey();
            }
        }
        return OTHER;
    }

    /** A thread of the measured server's process: a gateway's ({@code webflux-http-}) or the baseline's. */
    static String measured(String thread) {
        if (thread.startsWith("webflux-http-") || thread.startsWith("reactor-http-")) {
            return MEASURED_EVENT_LOOPS;
        }
        if (thread.startsWith("kafka-producer-")) {
            return MEASURED_PRODUCER;
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1 ") || thread.startsWith("C1 Compiler")
                || thread.startsWith("C2 Compiler") || thread.equals("VM Thread")) {
            return MEASURED_JVM;
        }
        return MEASURED_OTHER;
    }

    /** The measured server's kinds, in the order of the reports' rows. */
    static List<String> allMeasured() {
        return List.of(MEASURED_EVENT_LOOPS, MEASURED_PRODUCER, MEASURED_JVM, MEASURED_OTHER);
    }

    /** Every kind of the devstack's threads, in the order of the reports' rows. */
    static List<String> all() {
        List<String> all = new java.util.ArrayList<>(KINDS.keySet());
        all.add(OTHER);
        return all;
    }

    private static Map<String, Pattern> kinds() {
        Map<String, Pattern> kinds = new LinkedHashMap<>();
        // The devstack's own two gateways, idle while another is measured, but still reading results.
        kinds.put("devstack's gateways (not measured)", Pattern.compile("^(webflux-http-|reactor-http-|reactor-tcp-"
                + "|lookup-?[rR]esults)|spamcheck-gateway"));
        kinds.put("devstack: Reactor schedulers", Pattern.compile("^(parallel-|boundedElastic-|single-)"));
        kinds.put("archiver: audit writer and its other consumers",
                Pattern.compile("^audit-log-writer|^archive-triggers|\\| spamcheck-(audit-writer|archiver)"));
        kinds.put("notifier: Kafka Streams and consumers",
                Pattern.compile("spamcheck-reputation-changes|spamcheck-campaign-health|^campaign-health|^webhook-"
                        + "|\\| spamcheck-webhooks"));
        kinds.put("lookup-workers",
                Pattern.compile("spamcheck-lookup-worker|^lookup-prewarm|^prewarm-lookup|\\| spamcheck-prewarm"));
        kinds.put("Kafka broker (in the devstack's JVM)", Pattern.compile("^(data-plane-kafka|kafka-\\d|kafka-scheduler"
                + "|kafka-log-cleaner|kafka-cluster-test-kit|group-coordinator|share-|executor-|controller-|broker-"
                + "|raft-|quorum-|ExpirationReaper|TxnMarkerSender|AddPartitionsToTxn|transaction-log-manager"
                + "|LogDirFailureHandler|PersisterStateManager|persister-state-manager|network-partition-metadata"
                + "|client-metrics-reaper)"));
        return kinds;
    }
}
