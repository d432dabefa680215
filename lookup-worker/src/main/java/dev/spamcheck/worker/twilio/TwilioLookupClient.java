package dev.spamcheck.worker.twilio;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;
import dev.spamcheck.worker.provider.ProviderEndpoints;
import dev.spamcheck.worker.provider.ReputationProvider;

/**
 * Twilio Lookup v1 as a reputation provider: one call with the configured Marketplace add-ons,
 * {@code GET {base}/v1/PhoneNumbers/{e164}?AddOns=nomorobo_spamscore&AddOns=...}, one verdict per
 * add-on. The JDK client is used on purpose: its exceptions never quote the URL, which holds the
 * number.
 */
@Component
class TwilioLookupClient implements ReputationProvider {

    private static final Logger log = LoggerFactory.getLogger(TwilioLookupClient.class);

    private final HttpClient http;
    private final WorkerProperties.Twilio twilio;
    private final String authorization;
    private final List<LookupAddOn> addOns;
    private final String addOnsQuery;

    TwilioLookupClient(WorkerProperties properties) {
        this.twilio = properties.twilio();
        this.addOns = properties.providers().twilio().addOns();
        this.addOnsQuery = addOns.stream().map(addOn -> "AddOns=" + addOn.uniqueName()).collect(Collectors.joining("&"));
        ProviderEndpoints.requireSet(twilio.accountSid(), "TWILIO_ACCOUNT_SID");
        ProviderEndpoints.requireSet(twilio.authToken(), "TWILIO_AUTH_TOKEN");
        ProviderEndpoints.requireHttps(twilio.baseUrl(), "TWILIO_LOOKUP_BASE_URL");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (twilio.accountSid() + ":" + twilio.authToken()).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder()
                .connectTimeout(twilio.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public ProviderAnswer ask(String e164, Duration timeout) {
        URI uri = URI.create(twilio.baseUrl().toString().replaceAll("/+$", "") + "/v1/PhoneNumbers/"
                + URLEncoder.encode(e164, StandardCharsets.UTF_8) + "?" + addOnsQuery);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .GET()
                .build();
        // One deadline over the whole exchange: the request's own timeout ends when the headers
        // arrive (on Java 17 to 25), and a body that trickles would hold the lookup past its
        // budget and past its claim, for another worker to pay for the number again.
        // The status line and headers as soon as they arrive: a body lost after them (reset, too
        // slow) leaves the status to go by. A 200 is billed, so it must not be retried like a call
        // that never reached Twilio; a 401 still pauses the account; a 429 still slows it down.
        AtomicReference<HttpResponse.ResponseInfo> head = new AtomicReference<>();
        CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(request, info -> {
            head.set(info);
            return HttpResponse.BodyHandlers.ofString().apply(info);
        });
        ProviderAnswer answer;
        try {
            HttpResponse<String> response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            answer = TwilioResponses.interpret(response.statusCode(), response.body(), retryAfter(response.headers()),
                    addOns);
        }
        catch (TimeoutException ex) {
            exchange.cancel(true);
            answer = head.get() != null ? bodyLost(head.get()) : new Unavailable(TwilioLookups.TIMEOUT, true, true, null);
        }
        catch (ExecutionException ex) {
            answer = head.get() != null ? bodyLost(head.get())
                    : ex.getCause() instanceof HttpTimeoutException ? new Unavailable(TwilioLookups.TIMEOUT, true, true, null)
                    : new Unavailable(TwilioLookups.UNREACHABLE, true, true, null);
        }
        catch (InterruptedException ex) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return Unavailable.permanent(TwilioLookups.INTERRUPTED);
        }
        if (answer instanceof Unavailable unavailable && unavailable.errorCode().equals(TwilioLookups.AUTH_FAILED)) {
            log.error("Twilio rejected the credentials (HTTP {}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
                    head.get().statusCode());
        }
        return answer;
    }

    private ProviderAnswer bodyLost(HttpResponse.ResponseInfo head) {
        return TwilioResponses.bodyLost(head.statusCode(), retryAfter(head.headers()), addOns);
    }

    private static Duration retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").map(TwilioLookupClient::retryAfter).orElse(null);
    }

    /** The longest wait a {@code Retry-After} is taken to ask for: beyond it, the lookup simply cannot wait. */
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(1);

    /**
     * Seconds or an HTTP date, between none and a day (a huge value would overflow the nanoseconds
     * the retry counts in and end the lookup with an exception); null when unreadable.
     */
    static Duration retryAfter(String value) {
        try {
            return bounded(Duration.ofSeconds(Long.parseLong(value.trim())));
        }
        catch (NumberFormatException ex) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return bounded(until);
            }
            catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static Duration bounded(Duration wait) {
        return wait.isNegative() ? Duration.ZERO : wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait;
    }
}
