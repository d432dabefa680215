package dev.spamcheck.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import dev.spamcheck.schemas.testing.FreePorts;

/**
 * A single-node KRaft broker run as Apache Kafka's own {@code kafka.Kafka} in a JVM of its own,
 * with its data under {@code <home>/kafka}, so a fault test can {@code kill -9} it and start it
 * again on the same address with the same data, as a broker crash and restart would go.
 */
public final class KafkaProcess implements KafkaBroker {

    private static final Duration READY = Duration.ofSeconds(90);

    private final Path config;
    private final Path log;
    private final int port;
    private ChildJvm jvm;

    private KafkaProcess(Path config, Path log, int port) {
        this.config = config;
        this.log = log;
        this.port = port;
    }

    static KafkaProcess start(Path home) throws IOException, InterruptedException {
        Path root = home.resolve("kafka");
        Path config = root.resolve("server.properties");
        Path log = home.resolve("logs").resolve("kafka.log");
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        Files.createDirectories(root);
        // A fresh log directory each start of the stack; restart() keeps it.
        Path data = root.resolve("data-" + port);
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=6",
                // As the in-process broker: every topic a service uses must be one it declares.
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=6",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // After a kill -9 the restarted controller waits out the dead broker's session
                // before it takes the new one's registration: 9 s by default, 3 s here.
                "broker.session.timeout.ms=3000",
                "broker.heartbeat.interval.ms=500",
                ""));
        ChildJvm.run("kafka-storage-format", log, "kafka.tools.StorageTool",
                List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()), READY);
        KafkaProcess kafka = new KafkaProcess(config, log, port);
        kafka.startBroker();
        return kafka;
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** {@code kill -9}: the broker dies with whatever it had not written to its log files. */
    public synchronized void kill() throws InterruptedException {
        jvm.kill();
    }

    /** Starts the broker again after {@link #kill()}: same address, same data. */
    public synchronized void restart() throws IOException, InterruptedException {
        if (jvm.isAlive()) {
            throw new IllegalStateException("The broker is still running");
        }
        startBroker();
    }

    @Override
    public synchronized void close() throws InterruptedException {
        jvm.close();
    }

    private void startBroker() throws IOException, InterruptedException {
        jvm = ChildJvm.start("kafka", log, List.of("-Xmx512m"), "kafka.Kafka", List.of(config.toString()));
        awaitReady();
    }

    private void awaitReady() throws InterruptedException {
        long until = System.nanoTime() + READY.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                }
                catch (ExecutionException | TimeoutException notYet) {
                    // still starting, or recovering its logs after a kill
                }
                if (!jvm.isAlive()) {
                    throw new IllegalStateException("Kafka exited while starting; see " + log);
                }
                if (System.nanoTime() > until) {
                    throw new IllegalStateException("Kafka not ready after " + READY + "; see " + log);
                }
                Thread.sleep(200);
            }
        }
    }
}
