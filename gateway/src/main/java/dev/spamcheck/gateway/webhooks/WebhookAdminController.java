package dev.spamcheck.gateway.webhooks;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.GatewayProperties;
import dev.spamcheck.gateway.auth.ApiToken;
import dev.spamcheck.gateway.auth.BearerTokens;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import dev.spamcheck.gateway.problem.QueryParameters;
import dev.spamcheck.schemas.number.NumberProtection;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Webhook subscriptions for admins: create (the signing secret is shown once), list, show,
 * delete, and each one's delivery log. The notifier delivers; the contract is in docs/api.md.
 */
@RestController
@RequestMapping(path = "/api/v1/admin/webhooks", produces = MediaType.APPLICATION_JSON_VALUE)
class WebhookAdminController {

    static final Set<String> EVENTS = Set.of("number.flagged", "number.cleared");
    private static final Pattern ID = Pattern.compile("whk_[0-9a-f]{16}");
    private static final Set<String> STATUSES = Set.of("pending", "delivered", "dead");
    private static final int DEFAULT_DELIVERIES = 50;
    private static final int MAX_DELIVERIES = 200;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final WebhookStore webhooks;
    private final NumberProtection protection;
    private final boolean allowInsecureLoopback;

    WebhookAdminController(WebhookStore webhooks, NumberProtection protection, GatewayProperties properties) {
        this.webhooks = webhooks;
        this.protection = protection;
        this.allowInsecureLoopback = properties.webhooks().allowInsecureLoopback();
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<CreatedWebhook>> create(ServerWebExchange exchange) {
        ApiToken admin = BearerTokens.client(exchange);
        return JsonBodies.read(exchange).flatMap(body -> {
            JsonNode request = JsonBodies.object(body,
                    Set.of("url", "events", "campaign_id", "include_phone_number"));
            URI url = WebhookUrls.check(JsonBodies.requiredString(request, "url"), allowInsecureLoopback);
            List<String> events = events(request.get("events"));
            String campaignId = JsonBodies.optionalCampaignId(request, "campaign_id", false);
            boolean includePhoneNumber = includePhoneNumber(request.get("include_phone_number"));
            String id = "whk_" + HexFormat.of().formatHex(randomBytes(8));
            String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
            return webhooks.create(id, url.toString(), events, campaignId, includePhoneNumber,
                    protection.seal(secret, id), "admin:" + admin.id())
                    .map(created -> ResponseEntity.status(HttpStatus.CREATED)
                            .location(URI.create("/api/v1/admin/webhooks/" + id))
                            .body(CreatedWebhook.of(created, secret)));
        });
    }

    @GetMapping
    Mono<WebhookList> list() {
        return webhooks.all().map(WebhookView::of).collectList().map(WebhookList::new);
    }

    @GetMapping("/{id}")
    Mono<WebhookView> show(@PathVariable String id) {
        return known(id).flatMap(webhooks::find).map(WebhookView::of).switchIfEmpty(notFound());
    }

    @DeleteMapping("/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable String id, ServerWebExchange exchange) {
        String admin = "admin:" + BearerTokens.client(exchange).id();
        return known(id).flatMap(known -> webhooks.delete(known, admin))
                .switchIfEmpty(notFound())
                .thenReturn(ResponseEntity.noContent().<Void>build());
    }

    @GetMapping("/{id}/deliveries")
    Mono<DeliveryList> deliveries(@PathVariable String id, ServerWebExchange exchange) {
        Map<String, String> query = QueryParameters.single(exchange, Set.of("status", "limit"));
        String status = query.get("status");
        if (status != null && !STATUSES.contains(status)) {
            throw JsonBodies.invalid("status must be one of [dead, delivered, pending]");
        }
        int limit = QueryParameters.limit(query.get("limit"), DEFAULT_DELIVERIES, MAX_DELIVERIES);
        // A deleted subscription's log too: it is kept as evidence until the purge.
        return known(id).flatMap(webhooks::findKept)
                .switchIfEmpty(notFound())
                .flatMap(webhook -> webhooks.deliveries(webhook.id(), status, limit).collectList())
                .map(DeliveryList::new);
    }

    private static List<String> events(JsonNode node) {
        if (node == null || node.isNull()) {
            throw JsonBodies.invalid("events is required: a list of " + EVENTS.stream().sorted().toList());
        }
        if (!node.isArray() || node.isEmpty()) {
            throw JsonBodies.invalid("events must be a non-empty list of " + EVENTS.stream().sorted().toList());
        }
        Set<String> events = new LinkedHashSet<>();
        for (JsonNode event : node) {
            if (!event.isString() || !EVENTS.contains(event.asString())) {
                throw JsonBodies.invalid("events must hold only " + EVENTS.stream().sorted().toList());
            }
            events.add(event.asString());
        }
        return new ArrayList<>(events);
    }

    private static boolean includePhoneNumber(JsonNode node) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw JsonBodies.invalid("include_phone_number must be true or false");
        }
        return node.asBoolean();
    }

    /** The id when it has the form of one: anything else cannot name a subscription. */
    private static Mono<String> known(String id) {
        return ID.matcher(id).matches() ? Mono.just(id) : Mono.empty();
    }

    private static <T> Mono<T> notFound() {
        return Mono.error(() -> new ApiException(ErrorCode.NOT_FOUND, "No webhook with this id"));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CreatedWebhook(String id, String url, List<String> events, @JsonProperty("campaign_id") String campaignId,
            @JsonProperty("include_phone_number") boolean includePhoneNumber, String secret,
            @JsonProperty("created_at") Instant createdAt) {

        static CreatedWebhook of(Webhook webhook, String secret) {
            return new CreatedWebhook(webhook.id(), webhook.url(), webhook.events(), webhook.campaignId(),
                    webhook.includePhoneNumber(), secret, webhook.createdAt());
        }

        @Override
        public String toString() {
            return "CreatedWebhook[id=" + id + "]";
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WebhookView(String id, String url, List<String> events, @JsonProperty("campaign_id") String campaignId,
            @JsonProperty("include_phone_number") boolean includePhoneNumber,
            @JsonProperty("created_at") Instant createdAt) {

        static WebhookView of(Webhook webhook) {
            return new WebhookView(webhook.id(), webhook.url(), webhook.events(), webhook.campaignId(),
                    webhook.includePhoneNumber(), webhook.createdAt());
        }
    }

    record WebhookList(List<WebhookView> webhooks) {
    }

    record DeliveryList(List<Delivery> deliveries) {
    }
}
