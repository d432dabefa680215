package dev.spamcheck.schemas.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL server from the binaries zonky publishes to Maven Central. It is started with
 * the server's own tools rather than a wrapper library because PostgreSQL refuses to run as
 * root: as root, the tools run in a user namespace ({@code unshare}) that maps root to an
 * ordinary user id, which is all PostgreSQL checks. Data lives under {@code <home>/postgres}.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String DATABASE = "spamcheck";
    public static final String USER = "postgres";

    private final Path binaries;
    private final Path data;
    private final Path log;
    private final int port;
    private final DatabaseTls tls;

    private EmbeddedPostgres(Path binaries, Path data, Path log, int port, DatabaseTls tls) {
        this.binaries = binaries;
        this.data = data;
        this.log = log;
        this.port = port;
        this.tls = tls;
    }

    public static EmbeddedPostgres start(Path home, Path logDir) throws IOException, InterruptedException {
        Path root = home.resolve("postgres");
        Path binaries = extractBinaries(root);
        Path data = root.resolve("data");
        Files.createDirectories(logDir);
        Path log = logDir.resolve("postgres.log");
        DatabaseTls tls = DatabaseTls.create(root.resolve("tls"));
        initIfNeeded(binaries, data, log);
        // A devstack killed with SIGKILL leaves its server running; stopped so the data can be reused.
        stopIfRunning(binaries, data);
        // The port last, seconds after initdb rather than before: it is free only until someone
        // else binds it, and the devstack starts Kafka and its stubs meanwhile.
        EmbeddedPostgres postgres = new EmbeddedPostgres(binaries, data, log, FreePorts.next(), tls);
        postgres.requireTls();
        try {
            postgres.startServer();
            postgres.createDatabase();
        }
        catch (IOException | InterruptedException | RuntimeException ex) {
            // It runs detached from this process (pg_ctl) and would outlive it, even when pg_ctl
            // gave up waiting for it to start.
            try {
                stopIfRunning(binaries, data);
            }
            catch (IOException | InterruptedException stopping) {
                ex.addSuppressed(stopping);
            }
            throw ex;
        }
        return postgres;
    }

    /** Starts the server again after {@link #stopServer()}, on the same port with the same data. */
    public void startServer() throws IOException, InterruptedException {
        run(List.of(tool("pg_ctl"), "-D", data.toString(), "-l", log.toString(), "-w", "-t", "60", "-o",
                "-p " + port + " -c listen_addresses=127.0.0.1 -k " + data
                        + " -c fsync=off -c max_connections=200 -c ssl=on -c ssl_cert_file="
                        + tls.serverCertificate() + " -c ssl_key_file=" + tls.serverKey(),
                "start"));
    }

    /** Stops the server as an operator's restart would: every connection is cut. */
    public void stopServer() throws IOException, InterruptedException {
        run(List.of(tool("pg_ctl"), "-D", data.toString(), "-m", "fast", "-w", "stop"));
    }

    public int port() {
        return port;
    }

    /** The URL form of {@code SPAMCHECK_DB_URL}: the services prefix it with jdbc: or r2dbc:. */
    public String url() {
        return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** What clients verify the server's certificate against ({@code SPAMCHECK_DB_SSL_ROOT_CERT}). */
    public Path caCertificate() {
        return tls.caCertificate();
    }

    /** For tools and tests: TLS, verified, like the services' connections. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?sslmode=verify-full&sslrootcert="
                + tls.caCertificate();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stopServer();
    }

    private static void initIfNeeded(Path binaries, Path data, Path log) throws IOException, InterruptedException {
        if (Files.exists(data.resolve("PG_VERSION"))) {
            return;
        }
        Files.createDirectories(data.getParent());
        run(List.of(tool(binaries, "initdb"), "-A", "trust", "-U", USER, "-D", data.toString(), "-E", "UTF-8",
                "--locale=C"), log);
    }

    /**
     * Stops the server of the devstack at {@code home} if it runs: one stopped while it started
     * has no {@link EmbeddedPostgres} to close yet, and its server runs detached.
     */
    public static void stopIfRunning(Path home) throws IOException, InterruptedException {
        Path root = home.resolve("postgres");
        Path binaries = root.resolve("binaries");
        if (Files.exists(binaries.resolve("bin").resolve("pg_ctl"))) {
            stopIfRunning(binaries, root.resolve("data"));
        }
    }

    private static void stopIfRunning(Path binaries, Path data) throws IOException, InterruptedException {
        if (!Files.exists(data.resolve("postmaster.pid"))) {
            return;
        }
        Process status = command(List.of(tool(binaries, "pg_ctl"), "-D", data.toString(), "status")).start();
        status.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (status.waitFor() != 0) {
            return;
        }
        Process stop = command(List.of(tool(binaries, "pg_ctl"), "-D", data.toString(), "-m", "fast", "-w", "stop"))
                .start();
        String output = new String(stop.getInputStream().readAllBytes());
        if (!stop.waitFor(120, TimeUnit.SECONDS) || stop.exitValue() != 0) {
            throw new IOException("PostgreSQL did not stop: " + output);
        }
    }

    /**
     * Over TCP, TLS or nothing, as on Supabase: a client that does not ask for TLS is turned away.
     * Written on every start, so a data directory from before this rule gets it too.
     */
    private void requireTls() throws IOException {
        Files.writeString(data.resolve("pg_hba.conf"), """
                # Written by the devstack on every start (EmbeddedPostgres): TCP connections need TLS.
                local all all trust
                hostssl all all 127.0.0.1/32 trust
                """);
    }

    private void createDatabase() throws IOException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), USER, "")) {
            var exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?");
            exists.setString(1, DATABASE);
            if (!exists.executeQuery().next()) {
                connection.createStatement().execute("CREATE DATABASE " + DATABASE);
            }
        }
        catch (SQLException ex) {
            throw new IOException("Cannot create database " + DATABASE + ": " + ex.getMessage(), ex);
        }
    }

    private String tool(String name) {
        return tool(binaries, name);
    }

    private static String tool(Path binaries, String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        run(command, log);
    }

    private static void run(List<String> command, Path log) throws IOException, InterruptedException {
        Process process = command(command).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("PostgreSQL command failed: " + String.join(" ", command) + "\n" + output
                    + "\n(server log: " + log + ")");
        }
    }

    private static ProcessBuilder command(List<String> command) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("unshare", "--user", "--map-user=1000", "--map-group=1000"));
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        builder.environment().put("LC_ALL", "C");
        return builder;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * The binaries this JVM extracted first. Later homes get hard links to their files: extracting
     * takes seconds of CPU, and the system tests start a dozen stacks, each in a home of its own.
     * Links to files, not to the directory, so deleting one home (a test's temporary directory)
     * takes nothing from a stack running in another.
     */
    private static Path extractedBefore;

    private static synchronized Path extractBinaries(Path root) throws IOException {
        Path target = root.resolve("binaries");
        if (Files.exists(target.resolve("bin").resolve("pg_ctl"))) {
            return target;
        }
        Files.createDirectories(root);
        // Binaries half extracted, or an earlier link to binaries since deleted.
        FileSystemUtils.deleteRecursively(target);
        if (extractedBefore != null && Files.exists(extractedBefore.resolve("bin").resolve("pg_ctl"))
                && linked(extractedBefore, target)) {
            return target;
        }
        extractedBefore = extract(root, target);
        return target;
    }

    /** Whether {@code target} now has hard links to every file of {@code source}; none where they cannot be made (another file system). */
    private static boolean linked(Path source, Path target) throws IOException {
        Path staging = Files.createTempDirectory(target.getParent(), "binaries-");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path copy = staging.resolve(source.relativize(file).toString());
                if (Files.isSymbolicLink(file)) {
                    Files.createSymbolicLink(copy, Files.readSymbolicLink(file));
                }
                else if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                }
                else {
                    Files.createLink(copy, file);
                }
            }
        }
        catch (IOException | UnsupportedOperationException ex) {
            FileSystemUtils.deleteRecursively(staging);
            return false;
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    private static Path extract(Path root, Path target) throws IOException {
        String resource = binaryResource();
        Path staging = Files.createTempDirectory(root, "binaries-");
        try (InputStream in = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("No PostgreSQL binaries for this platform on the class path (" + resource
                        + "); see devstack/pom.xml for the supported platforms");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZCompressorInputStream(new BufferedInputStream(in)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path file = staging.resolve(entry.getName()).normalize();
                    if (!file.startsWith(staging)) {
                        throw new IOException("Unsafe path in PostgreSQL archive: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(file);
                    }
                    else if (entry.isSymbolicLink()) {
                        Files.createDirectories(file.getParent());
                        Files.createSymbolicLink(file, Path.of(entry.getLinkName()));
                    }
                    else {
                        Files.createDirectories(file.getParent());
                        Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
                        if ((entry.getMode() & 0100) != 0) {
                            file.toFile().setExecutable(true, false);
                        }
                    }
                }
            }
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return target.toRealPath();
    }

    private static String binaryResource() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac") ? "darwin" : "linux";
        String arch = System.getProperty("os.arch");
        String normalized = arch.equals("aarch64") || arch.equals("arm64") ? "arm_64" : "x86_64";
        return "postgres-" + os + "-" + normalized + ".txz";
    }
}
