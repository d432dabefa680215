package dev.spamcheck.devstack.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a thread of the devstack's JVM works for, by its name: the services, the in-process Kafka
 * broker and the baseline server share the one JVM, and their threads' names are all that tells
 * them apart. Names as a devstack shows them ({@code jstack}); whatever matches none is "other".
 */
final class ThreadKinds {

    /** The loops of whichever server is measured: a gateway's ({@code webflux-http}) or the baselines' (global). */
    static final String EVENT_LOOPS = "HTTP event loops (the measured server's)";
    static final String OTHER = "other Java threads (metrics, schedulers, Twilio stub)";

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

    /** Every kind, in the order of the reports' rows. */
    static List<String> all() {
        List<String> all = new java.util.ArrayList<>(KINDS.keySet());
        all.add(OTHER);
        return all;
    }

    private static Map<String, Pattern> kinds() {
        Map<String, Pattern> kinds = new LinkedHashMap<>();
        kinds.put(EVENT_LOOPS, Pattern.compile("^(webflux-http-|reactor-http-)"));
        kinds.put("Reactor schedulers (Kafka sends and acknowledgements handed off)",
                Pattern.compile("^(parallel-|boundedElastic-|single-)"));
        kinds.put("Kafka producer network thread (the gateway's, or the durable baseline's)",
                Pattern.compile("^kafka-producer-network-thread \\| (spamcheck-gateway|" + BaselineServer.CLIENT_ID
                        + ")"));
        kinds.put("gateway: PostgreSQL client event loops (R2DBC over TLS)", Pattern.compile("^reactor-tcp-"));
        kinds.put("gateway: results listener", Pattern.compile("^lookup-?[rR]esults|spamcheck-gateway"));
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
