package dev.spamcheck.worker.twilio;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.config.InvalidConfigurationException;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.worker.WorkerProperties;

/**
 * Calls Twilio Lookup v1 with the Nomorobo Spam Score add-on:
 * {@code GET {base}/v1/PhoneNumbers/{e164}?AddOns=nomorobo_spamscore}. The JDK client is used on
 * purpose: its exceptions never quote the URL, which holds the number.
 */
@Component
public class TwilioLookupClient {

    private static final Logger log = LoggerFactory.getLogger(TwilioLookupClient.class);

    private final HttpClient http;
    private final WorkerProperties.Twilio twilio;
    private final String authorization;

    public TwilioLookupClient(WorkerProperties properties) {
        this.twilio = properties.twilio();
        requireSet(twilio.accountSid(), "TWILIO_ACCOUNT_SID");
        requireSet(twilio.authToken(), "TWILIO_AUTH_TOKEN");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (twilio.accountSid() + ":" + twilio.authToken()).getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder()
                .connectTimeout(twilio.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public TwilioAnswer lookup(String e164) {
        URI uri = URI.create(twilio.baseUrl().toString().replaceAll("/+$", "") + "/v1/PhoneNumbers/"
                + URLEncoder.encode(e164, StandardCharsets.UTF_8) + "?AddOns=nomorobo_spamscore");
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(twilio.timeout())
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            TwilioAnswer answer = TwilioResponses.interpret(response.statusCode(), response.body());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                log.error("Twilio rejected the credentials (HTTP {}): check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
                        response.statusCode());
            }
            else if (answer instanceof TwilioAnswer.Unavailable unavailable) {
                log.warn("Twilio lookup for {} unavailable: {}", NumberProtection.mask(e164), unavailable.errorCode());
            }
            return answer;
        }
        catch (HttpTimeoutException ex) {
            log.warn("Twilio lookup for {} timed out after {}", NumberProtection.mask(e164), twilio.timeout());
            return new TwilioAnswer.Unavailable("twilio_timeout");
        }
        catch (IOException ex) {
            log.warn("Twilio lookup for {} failed: {}", NumberProtection.mask(e164), ex.getClass().getSimpleName());
            return new TwilioAnswer.Unavailable("twilio_unreachable");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return new TwilioAnswer.Unavailable("interrupted");
        }
    }

    private static void requireSet(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new InvalidConfigurationException(name + " is not set");
        }
    }
}
