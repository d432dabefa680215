package dev.spamcheck.devstack;

/** The devstack's Kafka: in this JVM, or a process of its own that tests can kill. */
interface KafkaBroker extends AutoCloseable {

    String bootstrapServers();
}
