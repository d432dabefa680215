package dev.spamcheck.devstack.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import dev.spamcheck.devstack.ChildJvm;

/**
 * Latency at a steady rate, to the microsecond: requests fall due at fixed intervals whatever the
 * answers take (an open model, no coordinated omission), each timed from the moment it was due to
 * the last byte of its answer, over kept-alive connections opened as needed. Gatling, which drives
 * the other loads, records whole milliseconds, which cannot show a target under one; the JDK's
 * {@code HttpClient} hands each answer between its own threads (2.7 ms at the median on the bare
 * endpoint, against 0.9 ms with these blocking sockets, on the bench's machine). Apache HttpClient
 * 5's classic client hands nothing between threads either, and came within about a tenth of
 * these sockets in the one clean round of a trial; it is not used because every latency in
 * docs/BENCHMARKS.md was taken with this client, and a new clock would need a run of its own to
 * show that it reads the same. Runs in a JVM of its own, so that the devstack's collector never
 * stops the clock.
 */
public final class LatencyProbe {

    /** Times in µs; {@code failed} counts answers other than 200 and broken connections. */
    record Result(long ok, long failed, long p50Micros, long p99Micros, long maxMicros) {

        static Result parse(String line) {
            String[] parts = line.trim().split(" ");
            return new Result(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), Long.parseLong(parts[4]));
        }

        String line() {
            return ok + " " + failed + " " + p50Micros + " " + p99Micros + " " + maxMicros;
        }
    }

    private final URI base;
    private final String path;
    private final String token;
    private final List<String> numbers;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private final Histogram measured = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    private LatencyProbe(URI base, String path, String token, List<String> numbers) {
        this.base = base;
        this.path = path;
        this.token = token;
        this.numbers = numbers;
    }

    /** Runs the probe in a JVM of its own and returns what it measured. */
    static Result measure(String baseUrl, String path, String token, Path numbersCsv, int rate, Duration warmup,
            Duration duration, Path log) throws IOException, InterruptedException {
        Path out = Files.createTempFile(log.getParent(), "latency-", ".txt");
        try {
            ChildJvm.run("latency probe", log, LatencyProbe.class.getName(), List.of(baseUrl, path,
                    token == null ? "" : token, numbersCsv.toString(), String.valueOf(rate),
                    String.valueOf(warmup.toSeconds()), String.valueOf(duration.toSeconds()), out.toString()),
                    warmup.plus(duration).plusMinutes(2));
            return Result.parse(Files.readString(out));
        }
        finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Arguments: base URL, path, token (empty for none), the CSV of numbers (a header line, then one
     * per line), requests per second, warm-up seconds, measured seconds, and the file to write the
     * result to.
     */
    public static void main(String[] args) throws Exception {
        List<String> numbers = Files.readAllLines(Path.of(args[3])).stream().skip(1).filter(line -> !line.isBlank())
                .toList();
        LatencyProbe probe = new LatencyProbe(URI.create(args[0]), args[1], args[2], numbers);
        Result result = probe.run(Integer.parseInt(args[4]), Duration.ofSeconds(Long.parseLong(args[5])),
                Duration.ofSeconds(Long.parseLong(args[6])));
        Files.writeString(Path.of(args[7]), result.line());
        System.out.println("latency probe: " + result);
    }

    private Result run(int rate, Duration warmup, Duration duration) throws InterruptedException {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long warmupRequests = warmup.toSeconds() * rate;
        long total = warmupRequests + duration.toSeconds() * rate;
        ExecutorService callers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "latency-probe");
            thread.setDaemon(true);
            return thread;
        });
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            awaitNanoTime(due);
            String number = numbers.get((int) (i % numbers.size()));
            boolean counted = i >= warmupRequests;
            callers.execute(() -> call(number, due, counted));
        }
        callers.shutdown();
        callers.awaitTermination(2, TimeUnit.MINUTES);
        idle.forEach(Connection::close);
        synchronized (measured) {
            if (measured.getTotalCount() == 0) {
                // No time at all is not a time under a target.
                throw new IllegalStateException("No request was answered 200 (" + failed.get() + " failed)");
            }
            return new Result(ok.get(), failed.get(), measured.getValueAtPercentile(50),
                    measured.getValueAtPercentile(99), measured.getMaxValue());
        }
    }

    /** Sleeps until shortly before {@code due}, then spins: a sleep alone wakes late by up to a timer slack. */
    private static void awaitNanoTime(long due) {
        long left;
        while ((left = due - System.nanoTime()) > 0) {
            if (left > TimeUnit.MICROSECONDS.toNanos(300)) {
                LockSupport.parkNanos(left - TimeUnit.MICROSECONDS.toNanos(200));
            }
            else {
                Thread.onSpinWait();
            }
        }
    }

    private void call(String number, long due, boolean counted) {
        Connection connection = idle.pollFirst();
        try {
            if (connection == null) {
                connection = Connection.open(base);
            }
            int status = connection.exchange(request(number));
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - due);
            if (counted) {
                if (status == 200) {
                    ok.incrementAndGet();
                    synchronized (measured) {
                        measured.recordValue(Math.min(micros, measured.getHighestTrackableValue()));
                    }
                }
                else {
                    failed.incrementAndGet();
                }
            }
            if (connection.reusable()) {
                idle.addFirst(connection);
            }
            else {
                connection.close();
            }
        }
        catch (IOException ex) {
            if (counted) {
                failed.incrementAndGet();
            }
            if (connection != null) {
                connection.close();
            }
        }
    }

    private byte[] request(String number) {
        String body = "{\"phone_number\": \"" + number + "\"}";
        return ("POST " + path + " HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\n"
                + (token.isEmpty() ? "" : "Authorization: Bearer " + token + "\r\n")
                + "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    /** One kept-alive HTTP/1.1 connection; answers are read by their Content-Length. */
    private static final class Connection {

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private boolean reusable;

        private Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static Connection open(URI base) throws IOException {
            Socket socket = new Socket(base.getHost(), base.getPort());
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
            return new Connection(socket);
        }

        /** Sends the request and reads the whole answer; returns its status. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String head = readHead();
            int status = Integer.parseInt(head.substring(9, 12));
            long length = 0;
            reusable = true;
            for (String line : head.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring("content-length:".length()).trim());
                }
                else if (lower.startsWith("connection:") && lower.contains("close")) {
                    reusable = false;
                }
            }
            in.skipNBytes(length);
            return status;
        }

        boolean reusable() {
            return reusable;
        }

        private String readHead() throws IOException {
            StringBuilder head = new StringBuilder(256);
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) {
                int next = in.read();
                if (next < 0) {
                    throw new IOException("connection closed before the answer's head ended");
                }
                head.append((char) next);
                last4 = (last4 << 8) | next;
            }
            return head.toString();
        }

        void close() {
            try {
                socket.close();
            }
            catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
