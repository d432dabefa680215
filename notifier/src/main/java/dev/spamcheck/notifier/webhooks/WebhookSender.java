package dev.spamcheck.notifier.webhooks;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * One attempt of one delivery over HTTP: a signed {@code POST}, answered within the timeout or
 * failed. Sent asynchronously on the JDK's HTTP client, so a slow receiver holds no thread.
 * Redirects are not followed: a subscription names the URL that receives. Unless private networks
 * are allowed, the receiver's host must resolve only to public addresses: a subscription cannot
 * make the notifier reach this cluster's or this machine's own services.
 */
final class WebhookSender {

    /** An attempt's error when the receiver's host resolves to an address that is not public. */
    static final String NOT_PUBLIC = "refused: the receiver's address is not public";

    private final HttpClient http;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final boolean allowPrivateNetworks;
    // Name lookups block; on threads of their own so a slow resolver holds up no other delivery,
    // and at most this many: a lookup outlives its attempt's connect timeout, so the attempts in
    // flight do not bound them. The others wait their turn within their connect timeout.
    private final ThreadPoolExecutor resolving = lookupThreads();
    /**
     * The lookup under way for each host, which every attempt to that host meanwhile shares: a
     * host whose name servers do not answer then holds one thread however often it is retried
     * (the JDK resolves one name at a time anyway), not a thread per attempt until none is left
     * for the healthy receivers.
     */
    private final ConcurrentMap<String, CompletableFuture<Boolean>> lookups = new ConcurrentHashMap<>();
    private final HostCheck hosts;

    /** Whether every address a host has is public; throws when it has none. */
    interface HostCheck {
        boolean allPublic(String host) throws UnknownHostException;
    }

    WebhookSender(Duration connectTimeout, Duration timeout, boolean allowPrivateNetworks) {
        this(connectTimeout, timeout, allowPrivateNetworks, ReceiverAddresses::allPublic);
    }

    WebhookSender(Duration connectTimeout, Duration timeout, boolean allowPrivateNetworks, HostCheck hosts) {
        this.hosts = hosts;
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                // No h2c upgrade offer on plain HTTP: some receivers' servers answer it badly.
                .version(HttpClient.Version.HTTP_1_1)
                // Straight to the receiver: a proxy would look the name up again, past the check.
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    /**
     * The attempt, timed as it ends. It may complete on the HTTP client's threads or the JDK's
     * timer thread: whatever follows it must move to threads of its own.
     */
    CompletableFuture<Attempt> send(String url, String secret, byte[] body) {
        Instant started = Instant.now();
        URI uri = URI.create(url);
        if (allowPrivateNetworks) {
            return exchange(uri, secret, body, started);
        }
        // Looking the name up is part of connecting, so the connect timeout bounds it: an attempt
        // takes at most that plus the exchange's timeout, as long as a stop waits for it.
        return publicHost(uri.getHost())
                .orTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((isPublic, failure) -> failure != null
                        ? CompletableFuture.completedFuture(Attempt.failed(started, since(started),
                                failure instanceof TimeoutException ? "connect timeout" : reason(failure)))
                        : isPublic ? exchange(uri, secret, body, started)
                        : CompletableFuture.completedFuture(Attempt.failed(started, since(started), NOT_PUBLIC)))
                .thenCompose(attempt -> attempt);
    }

    /**
     * Whether every address the host has is public, on a copy of the lookup under way for it (so
     * an attempt's timeout ends only its own wait). The HTTP client looks the host up again to
     * connect, a moment later, and is answered from the JDK's cache of names (30 s by default,
     * {@code networkaddress.cache.ttl}, whatever the name's own TTL): only a lookup that falls just
     * as the cached answer expires can see a different one. The notifiers' network egress is the
     * place to close even that.
     */
    private CompletableFuture<Boolean> publicHost(String host) {
        // The host exactly as the HTTP client will look it up: the JDK's name cache is keyed by the
        // string as given, so another case would be another lookup, and maybe another address.
        String name = host;
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        CompletableFuture<Boolean> running = lookups.putIfAbsent(name, started);
        if (running != null) {
            return running.copy();
        }
        started.whenComplete((isPublic, failure) -> lookups.remove(name, started));
        try {
            resolving.execute(() -> {
                try {
                    started.complete(hosts.allPublic(name));
                }
                catch (Throwable ex) {
                    // Whatever it is: a lookup never completed would fail every attempt to the host.
                    started.completeExceptionally(ex);
                }
            });
        }
        catch (RejectedExecutionException ex) {
            started.completeExceptionally(ex);
        }
        return started.copy();
    }

    private CompletableFuture<Attempt> exchange(URI uri, String secret, byte[] body, Instant started) {
        long t = started.getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "spamcheck-webhooks/1")
                .header("Spamcheck-Signature", WebhookSignature.header(secret, t, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<Void>> response = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        // The request timeout covers the headers only; this bounds a body that trickles. On a copy,
        // so that cancelling the original below still aborts the exchange and frees its connection.
        // Not async: the attempt is timed when it ends, not when a busy pool gets to it.
        return response.copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((answer, failure) -> {
                    if (failure == null) {
                        return Attempt.answered(started, since(started), answer.statusCode(), RetryPolicy.retryAfter(
                                answer.headers().firstValue("Retry-After").orElse(null), Instant.now()));
                    }
                    response.cancel(true);
                    return Attempt.failed(started, since(started), reason(failure));
                });
    }

    private static Duration since(Instant started) {
        return Duration.between(started, Instant.now());
    }

    private static ThreadPoolExecutor lookupThreads() {
        ThreadPoolExecutor threads = new ThreadPoolExecutor(32, 32, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemons("webhook-resolve-"));
        threads.allowCoreThreadTimeOut(true);
        return threads;
    }

    private static CustomizableThreadFactory daemons(String prefix) {
        CustomizableThreadFactory threads = new CustomizableThreadFactory(prefix);
        threads.setDaemon(true);
        return threads;
    }

    /** Why an attempt got no answer, in words that hold no URL, body or number. */
    static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof HttpConnectTimeoutException) {
            return "connect timeout";
        }
        if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
            return "timeout";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof IOException) {
            return "connection failed: " + cause.getClass().getSimpleName();
        }
        return "failed: " + cause.getClass().getSimpleName();
    }
}
