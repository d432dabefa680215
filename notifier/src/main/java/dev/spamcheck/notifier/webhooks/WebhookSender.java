package dev.spamcheck.notifier.webhooks;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

/**
 * One attempt of one delivery over HTTP: a signed {@code POST}, answered within the timeout or
 * failed. Sent asynchronously on the JDK's HTTP client, so a slow receiver holds no thread.
 * Redirects are not followed: a subscription names the URL that receives.
 */
final class WebhookSender {

    private final HttpClient http;
    private final Duration timeout;
    private final Executor completions;

    /** @param completions where the returned attempts complete: never the client's or the JDK's timer thread */
    WebhookSender(Duration connectTimeout, Duration timeout, Executor completions) {
        this.completions = completions;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                // No h2c upgrade offer on plain HTTP: some receivers' servers answer it badly.
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.timeout = timeout;
    }

    CompletableFuture<Attempt> send(String url, String secret, byte[] body) {
        Instant started = Instant.now();
        long t = started.getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "spamcheck-webhooks/1")
                .header("Spamcheck-Signature", WebhookSignature.header(secret, t, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<Void>> response = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        // The request timeout covers the headers only; this bounds a body that trickles. On a copy,
        // so that cancelling the original below still aborts the exchange and frees its connection.
        return response.copy()
                .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .handleAsync((answer, failure) -> {
                    Duration took = Duration.between(started, Instant.now());
                    if (failure == null) {
                        return Attempt.answered(started, took, answer.statusCode(), RetryPolicy.retryAfter(
                                answer.headers().firstValue("Retry-After").orElse(null), Instant.now()));
                    }
                    response.cancel(true);
                    return Attempt.failed(started, took, reason(failure));
                }, completions);
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
