package dev.spamcheck.devstack;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** A KRaft broker in this JVM: the quickest to start, for the devstack and most system tests. */
final class InProcessKafka implements KafkaBroker {

    private final EmbeddedKafkaKraftBroker broker;

    private InProcessKafka(EmbeddedKafkaKraftBroker broker) {
        this.broker = broker;
    }

    static InProcessKafka start() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 6);
        broker.brokerProperties(Map.of(
                "group.initial.rebalance.delay.ms", "0",
                "num.partitions", "6",
                // Stricter than a deployment, whose broker keeps creating a missing topic as the
                // fallback for a service that could not declare its own at start (Spring's admin
                // only logs that, and the next start corrects the topic's settings): here the system
                // tests show that every topic a service uses is one it declares.
                "auto.create.topics.enable", "false",
                // One broker: the reputation changes' transactions need a transaction log it can hold.
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1"));
        // The broker would publish its address as the system property spring.kafka.bootstrap-servers,
        // which outranks each service's KAFKA_BOOTSTRAP_SERVERS: with two stacks in one JVM (tests),
        // services would reach the broker started last.
        broker.brokerListProperty("spamcheck.devstack.kafka-brokers");
        // Kafka's storage formatter prints the broker's bootstrap metadata to standard output, which
        // is the devstack's console: what its user reads to call the system, not Kafka's internals.
        // (A warning logged meanwhile by a part starting beside it reaches only the log file.)
        PrintStream console = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            broker.afterPropertiesSet();
        }
        finally {
            System.setOut(console);
        }
        return new InProcessKafka(broker);
    }

    @Override
    public String bootstrapServers() {
        return broker.getBrokersAsString();
    }

    @Override
    public void close() {
        broker.destroy();
    }
}
