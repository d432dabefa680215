package dev.spamcheck.worker.telnyx;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.SourceVerdict.Verdict;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;
import dev.spamcheck.worker.provider.ProviderEndpoints;
import dev.spamcheck.worker.provider.ReputationProvider;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Telnyx Number Reputation as a reputation provider:
 * {@code GET {base}/v2/reputation/numbers/{e164}} with the account's API key, answering
 * {@code {"data": {"phone_number", "reputation_data": {"spam_risk": "low"|"medium"|"high",
 * "spam_category", ...}}}}. It knows only numbers the company registered with it (its own outbound
 * numbers), which is what it is asked about in shadow mode; others are 404, not found. Its
 * verdict: {@code high} flags the number, {@code low} and {@code medium} do not (medium is kept as
 * a reason); no reputation data yet is an unknown verdict. It does not grade.
 */
public final class TelnyxReputation implements ReputationProvider {

    /** The source name its verdicts carry. */
    public static final String SOURCE = "telnyx_number_reputation";

    private static final Logger log = LoggerFactory.getLogger(TelnyxReputation.class);

    private final HttpClient http;
    private final URI baseUrl;
    private final String authorization;

    public TelnyxReputation(WorkerProperties.Telnyx settings) {
        ProviderEndpoints.requireSet(settings.apiKey(), "TELNYX_API_KEY");
        ProviderEndpoints.requireHttps(settings.baseUrl(), "TELNYX_BASE_URL");
        this.baseUrl = settings.baseUrl();
        this.authorization = "Bearer " + settings.apiKey();
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public ProviderAnswer ask(String e164, Duration timeout) {
        // The JDK client on purpose, as for Twilio: its exceptions never quote the URL, which holds the number.
        URI uri = URI.create(baseUrl.toString().replaceAll("/+$", "") + "/v2/reputation/numbers/"
                + URLEncoder.encode(e164, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", authorization)
                .header("Accept", "application/json").GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> read(response.body());
                case 404 -> new ProviderAnswer.NotFound();
                case 429 -> Unavailable.permanent("telnyx_rate_limited");
                case 401, 403 -> {
                    log.error("Telnyx rejected the API key (HTTP {}): check TELNYX_API_KEY", response.statusCode());
                    yield Unavailable.permanent("telnyx_auth_failed");
                }
                default -> Unavailable.permanent("telnyx_http_" + response.statusCode());
            };
        }
        catch (HttpTimeoutException ex) {
            return Unavailable.permanent("telnyx_timeout");
        }
        catch (IOException ex) {
            return Unavailable.permanent("telnyx_unreachable");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Unavailable.permanent("interrupted");
        }
    }

    static ProviderAnswer read(String body) {
        JsonNode reputation;
        try {
            reputation = MessageCodec.mapper().readTree(body).path("data").path("reputation_data");
        }
        catch (JacksonException ex) {
            return Unavailable.permanent("telnyx_malformed_response");
        }
        String risk = reputation.path("spam_risk").asString("");
        if (reputation.isMissingNode() || reputation.isNull() || reputation.path("spam_risk").isNull()) {
            return answer(new SourceVerdict(SOURCE, Verdict.UNKNOWN, null, List.of("no_data"), SourceVerdict.SUCCESSFUL));
        }
        String category = reputation.path("spam_category").asString("");
        List<String> reasons = category.isBlank() ? List.of() : List.of(category);
        return switch (risk) {
            case "high" -> answer(new SourceVerdict(SOURCE, Verdict.FLAGGED, null, reasons, SourceVerdict.SUCCESSFUL));
            case "low" -> answer(new SourceVerdict(SOURCE, Verdict.CLEAN, null, reasons, SourceVerdict.SUCCESSFUL));
            case "medium" -> answer(new SourceVerdict(SOURCE, Verdict.CLEAN, null,
                    category.isBlank() ? List.of("medium_risk") : List.of("medium_risk", category),
                    SourceVerdict.SUCCESSFUL));
            default -> answer(SourceVerdict.unknown(SOURCE, "malformed_result"));
        };
    }

    private static ProviderAnswer answer(SourceVerdict verdict) {
        return new ProviderAnswer.Answered(List.of(verdict));
    }
}
