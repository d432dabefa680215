package dev.spamcheck.devstack;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

import dev.spamcheck.archiver.ArchiverApplication;
import dev.spamcheck.notifier.NotifierApplication;
import dev.spamcheck.gateway.GatewayApplication;
import dev.spamcheck.gateway.auth.Role;
import dev.spamcheck.gateway.auth.TokenCommand;
import dev.spamcheck.gateway.auth.TokenSecrets;
import dev.spamcheck.worker.LookupWorkerApplication;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiter;
import dev.spamcheck.schemas.testing.EmbeddedPostgres;
import dev.spamcheck.schemas.testing.FreePorts;

/**
 * The whole system on one machine: a KRaft Kafka broker, PostgreSQL, the Twilio stub, and the
 * gateway, lookup-worker, archiver and notifier applications wired to them, all in this JVM except
 * PostgreSQL's own processes and what a fault test asks to run as a process of its own (Kafka,
 * another lookup-worker or notifier) so it can kill it. Used by {@link DevStackMain}
 * and by the system tests.
 */
public final class DevStack implements AutoCloseable {

    static {
        // The devstack owns logging (logback.xml): the services must not reconfigure it each.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    }

    private final EmbeddedPostgres postgres;
    private final KafkaBroker kafka;
    private final TwilioStub twilio;
    private final TelnyxStub telnyx;
    private final DevKeys keys;
    private final Options options;
    private volatile Map<String, String> overrides = Map.of();
    private String lookupToken;
    private String adminToken;
    private final List<ConfigurableApplicationContext> services = Collections.synchronizedList(new ArrayList<>());
    private final List<ConfigurableApplicationContext> gateways = Collections.synchronizedList(new ArrayList<>());
    private final List<ConfigurableApplicationContext> workers = Collections.synchronizedList(new ArrayList<>());
    private final List<ConfigurableApplicationContext> archivers = Collections.synchronizedList(new ArrayList<>());
    private final List<ConfigurableApplicationContext> notifiers = Collections.synchronizedList(new ArrayList<>());
    private final List<ServiceProcess> processes = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger notifierInstances = new AtomicInteger();

    /**
     * @param home where state lives ({@code SPAMCHECK_HOME})
     * @param httpPort the gateway's port, 0 for any free port
     * @param managementPort the gateway's actuator port, 0 for any free port
     * @param stubLatency how long the Twilio stub takes for ordinary numbers
     * @param properties {@code spamcheck.*} and other Spring properties for every service
     * @param lookupToken the devstack's lookup-role token, or null for a random one
     * @param adminToken the devstack's admin-role token, or null for a random one
     * @param kafkaProcess whether Kafka runs as a process of its own ({@link #kafkaProcess()}),
     *        which fault tests can kill, rather than in this JVM
     */
    public record Options(Path home, int httpPort, int managementPort, Duration stubLatency,
            Map<String, String> properties, String lookupToken, String adminToken, boolean kafkaProcess) {

        /** Kafka in this JVM. */
        public Options(Path home, int httpPort, int managementPort, Duration stubLatency,
                Map<String, String> properties, String lookupToken, String adminToken) {
            this(home, httpPort, managementPort, stubLatency, properties, lookupToken, adminToken, false);
        }

        @Override
        public String toString() {
            return "Options[home=" + home + ", httpPort=" + httpPort + "]";
        }
    }

    private DevStack(EmbeddedPostgres postgres, KafkaBroker kafka, TwilioStub twilio, TelnyxStub telnyx, DevKeys keys,
            Options options) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.twilio = twilio;
        this.telnyx = telnyx;
        this.keys = keys;
        this.options = options;
    }

    /** Starts the infrastructure and one instance of each service. */
    public static DevStack start(Options options) throws Exception {
        DevKeys keys = DevKeys.loadOrCreate(options.home());
        // Kafka starts empty every time, so the notifiers' Streams state from the last start is of
        // topics that are gone: Streams would find it corrupt (logged as an ERROR) and rebuild it.
        FileSystemUtils.deleteRecursively(options.home().resolve("streams"));
        DevStack stack;
        try (StartTogether infrastructure = new StartTogether()) {
            Future<EmbeddedPostgres> postgres = infrastructure.start(
                    () -> EmbeddedPostgres.start(options.home(), options.home().resolve("logs")));
            Future<KafkaBroker> kafka = infrastructure.start(
                    () -> options.kafkaProcess() ? KafkaProcess.start(options.home()) : InProcessKafka.start());
            Future<TwilioStub> twilio = infrastructure.start(() -> TwilioStub.start(options.stubLatency()));
            Future<TelnyxStub> telnyx = infrastructure.start(TelnyxStub::start);
            infrastructure.await();
            stack = new DevStack(postgres.get(), kafka.get(), twilio.get(), telnyx.get(), keys, options);
        }
        try {
            stack.startServices(true);
        }
        catch (Exception | Error ex) {
            // Not cut short by an interrupt the start is reporting: pg_ctl's stop must be waited for.
            boolean interrupted = Thread.interrupted();
            try {
                stack.close();
            }
            finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            throw ex;
        }
        return stack;
    }

    /**
     * One of each service, started at once: they take turns at the database migrations (Flyway's
     * lock), as in a deployment. Then registered in a fixed order, so they stop in the reverse one.
     */
    private void startServices(boolean createTokens) throws Exception {
        try (StartTogether services = new StartTogether()) {
            Future<ConfigurableApplicationContext> worker = services.start(
                    () -> launch(LookupWorkerApplication.builder(), workerArguments(0, Map.of())));
            Future<ConfigurableApplicationContext> archiver = services.start(
                    () -> launch(ArchiverApplication.builder(), archiverArguments(Map.of())));
            Future<ConfigurableApplicationContext> notifier = services.start(
                    () -> launch(NotifierApplication.builder(), notifierArguments(Map.of())));
            Future<ConfigurableApplicationContext> gateway = services.start(() -> {
                // Before the gateway starts, so that it knows them from its first request.
                if (createTokens) {
                    createTokens();
                }
                return launch(GatewayApplication.builder(),
                        gatewayArguments(options.httpPort(), options.managementPort(), Map.of()));
            });
            services.await();
            register(workers, worker.get());
            register(archivers, archiver.get());
            register(notifiers, notifier.get());
            register(gateways, gateway.get());
        }
    }

    public ConfigurableApplicationContext startGateway(int httpPort, int managementPort) {
        return startGateway(httpPort, managementPort, Map.of());
    }

    /** Starts another gateway; {@code properties} override the stack's for this instance only. */
    public ConfigurableApplicationContext startGateway(int httpPort, int managementPort,
            Map<String, String> properties) {
        return register(gateways,
                launch(GatewayApplication.builder(), gatewayArguments(httpPort, managementPort, properties)));
    }

    public ConfigurableApplicationContext startWorker() {
        return startWorker(Map.of());
    }

    /** Starts another lookup-worker; {@code properties} override the stack's for this instance only. */
    public ConfigurableApplicationContext startWorker(Map<String, String> properties) {
        return register(workers, launch(LookupWorkerApplication.builder(), workerArguments(0, properties)));
    }

    /**
     * Starts another lookup-worker as a process of its own, which a fault test can kill; it stops
     * with the stack. {@code properties} override the stack's for this instance only.
     */
    public ServiceProcess startWorkerProcess(Map<String, String> properties)
            throws IOException, InterruptedException {
        int managementPort = FreePorts.next();
        return startProcess("lookup-worker", LookupWorkerApplication.class, managementPort, managementPort,
                ServiceProcess.SERVICE_HEAP, workerArguments(managementPort, properties));
    }

    /** Starts another gateway as a process of its own; it stops with the stack. */
    public ServiceProcess startGatewayProcess(Map<String, String> properties)
            throws IOException, InterruptedException {
        int port = FreePorts.next();
        int managementPort = FreePorts.next();
        Map<String, String> args = commonArguments();
        args.putAll(properties);
        args.put("SPAMCHECK_HTTP_PORT", String.valueOf(port));
        args.put("SPAMCHECK_MANAGEMENT_PORT", String.valueOf(managementPort));
        return startProcess("gateway", GatewayApplication.class, port, managementPort, ServiceProcess.GATEWAY_HEAP, args);
    }

    /** Starts another archiver as a process of its own; it stops with the stack. */
    public ServiceProcess startArchiverProcess(Map<String, String> properties)
            throws IOException, InterruptedException {
        int managementPort = FreePorts.next();
        Map<String, String> args = commonArguments();
        args.putAll(properties);
        args.put("SPAMCHECK_MANAGEMENT_PORT", String.valueOf(managementPort));
        return startProcess("archiver", ArchiverApplication.class, managementPort, managementPort,
                ServiceProcess.SERVICE_HEAP, args);
    }

    /** Starts another notifier as a process of its own, which a fault test can kill; it stops with the stack. */
    public ServiceProcess startNotifierProcess(Map<String, String> properties)
            throws IOException, InterruptedException {
        int managementPort = FreePorts.next();
        Map<String, String> args = commonArguments();
        args.put("SPAMCHECK_STREAMS_STATE_DIR", streamsStateDir());
        args.putAll(properties);
        args.put("SPAMCHECK_MANAGEMENT_PORT", String.valueOf(managementPort));
        return startProcess("notifier", NotifierApplication.class, managementPort, managementPort,
                ServiceProcess.NOTIFIER_HEAP, args);
    }

    private ServiceProcess startProcess(String name, Class<?> application, int port, int managementPort,
            String maxHeap, Map<String, String> args) throws IOException, InterruptedException {
        Path log = options.home().resolve("logs").resolve(name + "-" + managementPort + ".log");
        // The devstack's own keys and tokens on a command line: this is a development machine.
        ServiceProcess service = ServiceProcess.start(name, application, log, port, managementPort, maxHeap,
                List.of(commandLine(args)));
        processes.add(service);
        return service;
    }

    public ConfigurableApplicationContext startArchiver() {
        return startArchiver(Map.of());
    }

    /** Starts another archiver; {@code properties} override the stack's for this instance only. */
    public ConfigurableApplicationContext startArchiver(Map<String, String> properties) {
        return register(archivers, launch(ArchiverApplication.builder(), archiverArguments(properties)));
    }

    public ConfigurableApplicationContext startNotifier() {
        return startNotifier(Map.of());
    }

    /** Starts another notifier; {@code properties} override the stack's for this instance only. */
    public ConfigurableApplicationContext startNotifier(Map<String, String> properties) {
        return register(notifiers, launch(NotifierApplication.builder(), notifierArguments(properties)));
    }

    /**
     * Stops every service and starts one of each again with {@code properties} on top of the
     * stack's, as an operator changing the configuration of a deployment would; Kafka, PostgreSQL
     * and the Twilio stub keep running, and the tokens stay valid.
     */
    public void restartServices(Map<String, String> properties) {
        stopServices();
        gateways.clear();
        workers.clear();
        archivers.clear();
        notifiers.clear();
        overrides = Map.copyOf(properties);
        try {
            startServices(false);
        }
        catch (Exception ex) {
            throw new IllegalStateException("The services did not start again", ex);
        }
    }

    /** The arguments an archiver command (such as {@code rotate-keys}) is run with here. */
    public String[] archiverCommandLine() {
        return commandLine(commonArguments());
    }

    /** The archivers running now. */
    public List<ConfigurableApplicationContext> archivers() {
        return archivers.stream().filter(ConfigurableApplicationContext::isActive).toList();
    }

    /** Every service running now in this JVM: gateways, lookup-workers, archivers and notifiers. */
    public List<ConfigurableApplicationContext> services() {
        return services.stream().filter(ConfigurableApplicationContext::isActive).toList();
    }

    /** The notifiers running now. */
    public List<ConfigurableApplicationContext> notifiers() {
        return notifiers.stream().filter(ConfigurableApplicationContext::isActive).toList();
    }

    /** The first gateway's base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String baseUrl() {
        return baseUrl(gateways.get(0));
    }

    public static String baseUrl(ConfigurableApplicationContext gateway) {
        return "http://127.0.0.1:" + port(gateway);
    }

    /** The port a service's own server listens on: the API for a gateway, actuator for the others. */
    public static int port(ConfigurableApplicationContext service) {
        return ((WebServerApplicationContext) service).getWebServer().getPort();
    }

    /** The first gateway's API port. */
    public int gatewayPort() {
        return port(gateways.get(0));
    }

    /** A token with the lookup role. */
    public String lookupToken() {
        return lookupToken;
    }

    /** A token with the admin role. */
    public String adminToken() {
        return adminToken;
    }

    /** The lookup-workers running now. */
    public List<ConfigurableApplicationContext> workers() {
        return workers.stream().filter(ConfigurableApplicationContext::isActive).toList();
    }

    /**
     * Waits until the account-wide Twilio rate is back at the configured one: rate-limit answers
     * of an earlier scenario cut it, and it recovers by itself at one call per second each second.
     */
    public void awaitTwilioRate(Duration timeout) throws InterruptedException {
        ConfigurableApplicationContext worker = workers().get(0);
        AccountRateLimiter limiter = worker.getBean(AccountRateLimiter.class);
        int rate = worker.getBean(WorkerProperties.class).twilio().rate();
        long until = System.nanoTime() + timeout.toNanos();
        while (limiter.currentRate() < rate) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("The Twilio rate is still " + limiter.currentRate() + " after " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** The management base URL (health, Prometheus) of the first worker still running. */
    public String workerManagementUrl() {
        return baseUrl(workers().get(0));
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    public String databaseUser() {
        return EmbeddedPostgres.USER;
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Kafka as a process of its own; only with {@link Options#kafkaProcess()}. */
    public KafkaProcess kafkaProcess() {
        if (kafka instanceof KafkaProcess process) {
            return process;
        }
        throw new IllegalStateException("Kafka runs in this JVM: start the stack with Options.kafkaProcess");
    }

    public TwilioStub twilio() {
        return twilio;
    }

    /** The shadow provider's stand-in, which every worker of the stack asks about each number it scores. */
    public TelnyxStub telnyx() {
        return telnyx;
    }

    public String hashKey() {
        return keys.hashKey();
    }

    public String encryptionKeys() {
        return keys.encryptionKeys();
    }

    public Path home() {
        return options.home();
    }

    /** Stops PostgreSQL, cutting every connection, as a database restart or failover does. */
    public void stopDatabase() throws IOException, InterruptedException {
        postgres.stopServer();
    }

    /** Starts PostgreSQL again after {@link #stopDatabase()}: same address, same data. */
    public void startDatabase() throws IOException, InterruptedException {
        postgres.startServer();
    }

    @Override
    public void close() throws Exception {
        // Each part even when one before it failed to stop: PostgreSQL above all, which runs
        // detached from this process and would outlive it.
        List<AutoCloseable> parts = new ArrayList<>(processes);
        parts.add(this::stopServices);
        parts.addAll(List.of(twilio, telnyx, kafka, postgres));
        Exception failure = null;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            }
            catch (Exception ex) {
                if (failure == null) {
                    failure = ex;
                }
                else {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Each notifier's Kafka Streams state in a directory of its own: instances lock theirs. */
    private String streamsStateDir() {
        return options.home().resolve("streams").resolve("notifier-" + notifierInstances.incrementAndGet())
                .toString();
    }

    private Map<String, String> workerArguments(int managementPort, Map<String, String> properties) {
        Map<String, String> args = commonArguments();
        args.put("SPAMCHECK_MANAGEMENT_PORT", String.valueOf(managementPort));
        args.put("TWILIO_LOOKUP_BASE_URL", twilio.baseUrl());
        args.put("TWILIO_ACCOUNT_SID", TwilioStub.ACCOUNT_SID);
        args.put("TWILIO_AUTH_TOKEN", TwilioStub.AUTH_TOKEN);
        // Telnyx in shadow mode, asked about every number Twilio scores (a stub has no daily limit):
        // what its agreement looks like shows at GET /api/v1/admin/providers.
        args.putIfAbsent("spamcheck.providers.telnyx.mode", "shadow");
        args.putIfAbsent("spamcheck.providers.telnyx.sample", "1");
        args.putIfAbsent("spamcheck.providers.telnyx.rate", "25");
        args.putIfAbsent("spamcheck.providers.telnyx.daily-call-limit", "0");
        args.put("TELNYX_BASE_URL", telnyx.baseUrl());
        args.put("TELNYX_API_KEY", TelnyxStub.API_KEY);
        args.putAll(properties);
        return args;
    }

    /** Stops every service, the last registered first. */
    private void stopServices() {
        List<ConfigurableApplicationContext> running = new ArrayList<>(services);
        Collections.reverse(running);
        running.forEach(ConfigurableApplicationContext::close);
        services.clear();
    }

    private void createTokens() {
        lookupToken = options.lookupToken() == null ? TokenSecrets.newToken() : options.lookupToken();
        adminToken = options.adminToken() == null ? TokenSecrets.newToken() : options.adminToken();
        // The tokens of an earlier start stop working: only the printed ones do.
        replaceToken("devstack lookup", Role.LOOKUP, lookupToken);
        replaceToken("devstack admin", Role.ADMIN, adminToken);
    }

    /** Stores a token of a chosen secret under this name and role, revoking the name's others. */
    void replaceToken(String name, Role role, String token) {
        TokenCommand.replace(commonArguments(), name, role, token);
    }

    private static String[] commandLine(Map<String, String> args) {
        return args.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    private Map<String, String> commonArguments() {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("SPAMCHECK_DB_URL", postgres.url());
        args.put("SPAMCHECK_DB_SSL_MODE", "verify-full");
        args.put("SPAMCHECK_DB_SSL_ROOT_CERT", postgres.caCertificate().toString());
        args.put("SPAMCHECK_DB_USER", EmbeddedPostgres.USER);
        args.put("SPAMCHECK_DB_PASSWORD", "");
        args.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        args.put("spamcheck.hash-key", keys.hashKey());
        args.put("spamcheck.encryption-keys", keys.encryptionKeys());
        // Receivers on this machine may be plain HTTP here (SPAMCHECK_WEBHOOKS_ALLOW_INSECURE_LOOPBACK).
        args.put("spamcheck.webhooks.allow-insecure-loopback", "true");
        // And the notifier may deliver to them (SPAMCHECK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS).
        args.put("spamcheck.webhooks.allow-private-networks", "true");
        // One machine, one clock: a short SPAMCHECK_CACHE_TTL (docs/testing.md) stays at least
        // twice the margin, as a gateway requires, unless the margin is set too.
        if (System.getenv("SPAMCHECK_ANSWER_VIEW_CLOCK_MARGIN") == null) {
            args.put("spamcheck.answer-view.clock-margin", "PT1S");
        }
        args.putAll(options.properties());
        args.putAll(overrides);
        return args;
    }

    private Map<String, String> gatewayArguments(int httpPort, int managementPort, Map<String, String> properties) {
        Map<String, String> args = commonArguments();
        args.putAll(properties);
        args.put("SPAMCHECK_HTTP_PORT", String.valueOf(httpPort));
        args.put("SPAMCHECK_MANAGEMENT_PORT", String.valueOf(managementPort));
        return args;
    }

    private Map<String, String> archiverArguments(Map<String, String> properties) {
        Map<String, String> args = commonArguments();
        args.put("SPAMCHECK_MANAGEMENT_PORT", "0");
        args.putAll(properties);
        return args;
    }

    private Map<String, String> notifierArguments(Map<String, String> properties) {
        Map<String, String> args = commonArguments();
        args.put("SPAMCHECK_MANAGEMENT_PORT", "0");
        args.put("SPAMCHECK_STREAMS_STATE_DIR", streamsStateDir());
        args.putAll(properties);
        return args;
    }

    private static ConfigurableApplicationContext launch(SpringApplicationBuilder builder, Map<String, String> args) {
        return builder.registerShutdownHook(false).run(commandLine(args));
    }

    private ConfigurableApplicationContext register(List<ConfigurableApplicationContext> role,
            ConfigurableApplicationContext service) {
        role.add(service);
        services.add(service);
        return service;
    }
}
