package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.ConfigurableApplicationContext;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generated requests against every endpoint of the OpenAPI document, valid ones and hostile
 * mutations of them: bodies of every JSON shape and notation, deep nesting, huge and invalid UTF-8
 * strings, SQL and log injection, odd paths, methods and headers. Whatever arrives, the gateway
 * answers without a 500, every error is a problem+json the document describes, every exchange
 * leaves an audit row, and the gateway is healthy afterwards.
 * <p>
 * jqwik prints each property's seed; {@code @Property(seed = "...")} replays a failure. The number
 * of requests per property is {@code jqwik.tries.default} (junit-platform.properties: 300 on
 * every build, four properties); bin/fuzz's full run uses 25000.
 */
class FuzzSystemTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> REQUEST_IDS = ConcurrentHashMap.newKeySet();
    private static final List<String> OPERATIONS = List.of("POST /api/v1/spam_score", "GET /api/v1/openapi.yaml",
            "POST /api/v1/admin/tokens", "GET /api/v1/admin/tokens", "DELETE /api/v1/admin/tokens/{id}",
            "POST /api/v1/admin/numbers/history", "GET /api/v1/admin/audit", "POST /api/v1/admin/jobs/nightly",
            "GET /api/v1/admin/jobs/{id}", "GET /api/v1/admin/keys", "POST /api/v1/admin/keys/rotate",
            "GET /api/v1/admin/providers",
            "POST /api/v1/admin/webhooks", "GET /api/v1/admin/webhooks", "GET /api/v1/admin/webhooks/{id}",
            "DELETE /api/v1/admin/webhooks/{id}", "GET /api/v1/admin/webhooks/{id}/deliveries",
            "GET /api/v1/admin/campaigns/{campaign_id}/health", "GET /api/v1/admin/campaigns/health");
    private static ConfigurableApplicationContext gateway;
    private static int port;

    @BeforeContainer
    static void startGateway() {
        // A gateway of its own: the failed-authentication budget (AuthSystemTest covers it) would
        // otherwise turn most generated requests into 429s, and lock other tests out of this address.
        gateway = TestStack.get().startGateway(0, 0, Map.of("spamcheck.gateway.failed-authentications", "100000000"));
        port = DevStack.port(gateway);
    }

    @AfterContainer
    static void everyExchangeWasAuditedAndTheGatewayIsHealthy() throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Set<String> missing = new java.util.HashSet<>(REQUEST_IDS);
                try (var db = TestStack.database(); var rows = db.createStatement()
                        .executeQuery("SELECT request_id FROM audit_log")) {
                    while (rows.next()) {
                        missing.remove(rows.getString(1));
                    }
                }
                assertThat(missing).as("requests without an audit row").isEmpty();
            });
            String management = gateway.getEnvironment().getProperty("local.management.port");
            HttpResponse<String> readiness = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + management + "/actuator/health/readiness")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(readiness.body()).contains("\"UP\"");
            HttpResponse<String> lookup = TestStack.postSpamScore(DevStack.baseUrl(gateway),
                    "{\"phone_number\": \"" + TestStack.uniqueNumber("0042") + "\"}");
            TestStack.recordRequestId(lookup);
            assertThat(lookup.body()).contains("\"spam_score\":1");
        }
        finally {
            gateway.close();
        }
    }

    @Property
    void lookups(@ForAll("lookupBodies") byte[] body, @ForAll("contentTypes") String contentType,
            @ForAll("lookupAuthorizations") String authorization) {
        List<String> headers = new ArrayList<>(List.of(authorization));
        headers.add(contentType);
        headers.removeIf(String::isEmpty);
        check("POST", "/api/v1/spam_score", "POST /api/v1/spam_score", headers, body);
    }

    @Property
    void adminOperations(@ForAll("adminRequests") Request request) {
        check(request.method(), request.target(), request.operation(), request.headers(), request.body());
    }

    @Property
    void pathsAndMethods(@ForAll("methods") String method, @ForAll("mutatedPaths") String target,
            @ForAll("anyAuthorization") String authorization) {
        List<String> headers = authorization.isEmpty() ? List.of() : List.of(authorization);
        check(method, target, null, headers, null);
    }

    @Property
    void headers(@ForAll("hostileHeaders") List<String> extra, @ForAll("lookupBodies") byte[] body) {
        List<String> headers = new ArrayList<>(extra);
        headers.add("Authorization: Bearer " + TestStack.get().lookupToken());
        headers.add("Content-Type: application/json");
        check("POST", "/api/v1/spam_score", null, headers, body);
    }

    /** One exchange, and what must hold for every one. */
    private static void check(String method, String target, String operation, List<String> headers, byte[] body) {
        RawHttp.Response response = RawHttp.sendBytes(port, method, target, headers, body);
        String requestId = response.header("X-Request-Id").orElse(null);
        assertThat(requestId).as("%s %s: every answer names its request", method, target).isNotNull();
        REQUEST_IDS.add(requestId);
        assertThat(response.status()).as("%s %s answered %s", method, target, response.body()).isNotEqualTo(500)
                .isLessThan(600);
        if (response.status() >= 400 && !method.equals("HEAD")) {
            assertThat(response.header("Content-Type")).as("%s %s", method, target).hasValue("application/problem+json");
            assertThat(JSON.readTree(response.body()).path("request_id").asString()).isEqualTo(requestId);
            OpenApiContract.assertProblem(response);
        }
        if (operation != null && !method.equals("HEAD")) {
            String[] parts = operation.split(" ");
            OpenApiContract.assertDocumented(parts[0], parts[1], response);
        }
    }

    record Request(String method, String target, String operation, List<String> headers, byte[] body) {

        @Override
        public String toString() {
            return method + " " + target + " " + headers + " " + (body == null ? "" : new String(body, StandardCharsets.UTF_8));
        }
    }

    // --- generators ------------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> lookupBodies() {
        Arbitrary<String> object = Combinators.combine(jsonValues(), jsonValues(), Arbitraries.of(0, 1, 2, 3))
                .as((number, campaign, shape) -> switch (shape) {
                    case 0 -> "{\"phone_number\": " + number + "}";
                    case 1 -> "{\"phone_number\": " + number + ", \"campaign_id\": " + campaign + "}";
                    case 2 -> "{\"phone_number\": " + number + ", \"unexpected\": " + campaign + "}";
                    default -> "{\"phone_number\": " + number + ", \"phone_number\": " + campaign + "}";
                });
        Arbitrary<String> notAnObject = Arbitraries.oneOf(jsonValues(), hostileStrings(), deepNesting(),
                object.map(json -> json.substring(0, json.length() / 2)), Arbitraries.just(""));
        Arbitrary<byte[]> text = Arbitraries.frequencyOf(weighted(6, object), weighted(3, notAnObject))
                .map(json -> json.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.frequencyOf(weighted(9, text), weighted(1, invalidUtf8()));
    }

    /** Every kind of JSON value, and phone numbers in every notation JSON allows and some it does not. */
    private Arbitrary<String> jsonValues() {
        Arbitrary<String> numbers = Arbitraries.of("12125550123", "+12125550123", "1.2125550123e10", "1.2125550123E+10",
                "-0", "0", "1e400", "-1e-400", "12125550123.0", "0x2d2a4e2b", "012125550123", "1_212_555_0123", "NaN",
                "Infinity", "99999999999999999999999999999999999999", "true", "false", "null", "[]", "{}",
                "[\"+12125550123\"]", "{\"number\": \"+12125550123\"}");
        return Arbitraries.frequencyOf(weighted(4, validNumbers().map(FuzzSystemTest::quoted)),
                weighted(3, hostileStrings().map(FuzzSystemTest::quoted)), weighted(3, numbers));
    }

    private Arbitrary<String> validNumbers() {
        // A few numbers, over and over: the fuzz is about the gateway, not about paying Twilio.
        return Arbitraries.of("+12125550123", "+1 212 555 0123", "(212) 555-0142", "+12125550142", "+12125554040",
                "+12125556100", "+12125554000", "+442071838750", "+12125550000");
    }

    private Arbitrary<String> hostileStrings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(8),
                Arbitraries.strings().withChars("+0123456789 ()-.").ofMaxLength(30),
                Arbitraries.strings().ascii().ofMinLength(500).ofMaxLength(6000),
                Arbitraries.of("' OR '1'='1", "'; DROP TABLE audit_log; --", "+12125550123'--", "\") OR (\"a\"=\"a",
                        "+12125550123\r\nINFO forged log line", "%0d%0aSet-Cookie: x=1", "${jndi:ldap://127.0.0.1/a}",
                        "{{7*7}}", "<script>alert(1)</script>", "\u202e3210555212+", "\uFEFF+12125550123",
                        "+1212555\u00000123", "\ud83d\ude00", "../../../etc/passwd", "%s%s%s%n", "\\u0000",
                        "+12125550123" + "0".repeat(200), " ", ""));
    }

    private Arbitrary<String> deepNesting() {
        return Arbitraries.integers().between(1, 5000).flatMap(depth -> Arbitraries.of(
                "[".repeat(depth) + "]".repeat(depth),
                "{\"phone_number\": " + "[".repeat(depth) + "\"+12125550123\"" + "]".repeat(depth) + "}",
                "{\"a\":".repeat(depth) + "1" + "}".repeat(depth),
                "[".repeat(depth)));
    }

    private Arbitrary<byte[]> invalidUtf8() {
        return Arbitraries.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF, (byte) 0xFE},
                new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80})
                .map(bad -> concat("{\"phone_number\": \"+1212555".getBytes(StandardCharsets.UTF_8), bad,
                        "0123\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("Content-Type: application/json", "Content-Type: application/json; charset=UTF-8",
                "Content-Type: application/json; charset=ISO-8859-1", "Content-Type: text/plain",
                "Content-Type: application/x-www-form-urlencoded", "Content-Type: multipart/form-data; boundary=x",
                "Content-Type: application/problem+json", "Content-Type: ", "Content-Type: */*", "");
    }

    @Provide
    Arbitrary<String> lookupAuthorizations() {
        return Arbitraries.frequencyOf(weighted(8, Arbitraries.just("Authorization: Bearer " + TestStack.get().lookupToken())),
                weighted(2, anyAuthorization()));
    }

    @Provide
    Arbitrary<String> anyAuthorization() {
        String lookup = TestStack.get().lookupToken();
        String admin = TestStack.get().adminToken();
        return Arbitraries.oneOf(Arbitraries.of("", "Authorization: Bearer " + lookup, "Authorization: Bearer " + admin,
                "Authorization: bearer " + lookup, "Authorization: Bearer  " + lookup, "Authorization: Bearer",
                "Authorization: Bearer ", "Authorization: Basic dXNlcjpwYXNz", "Authorization: " + lookup,
                "Authorization: Bearer " + lookup + "x", "Authorization: Bearer " + lookup.substring(0, 10),
                "Authorization: Bearer sct_" + "A".repeat(4000)),
                hostileStrings().map(junk -> "Authorization: Bearer " + junk.replaceAll("[\\r\\n]", "")));
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "FOO",
                "get");
    }

    @Provide
    Arbitrary<String> mutatedPaths() {
        Arbitrary<String> documented = Arbitraries.of(OPERATIONS).map(operation -> operation.split(" ")[1]
                .replace("{id}", "0b7e2d8a-1b8e-4c55-9a5e-3c2f1d7a9e10").replace("{campaign_id}", "spring"));
        Arbitrary<String> suffix = Arbitraries.of("", "/", "//", "/.", "/..", "/%2e%2e", "%2F", ";x=1", "/%00", "%zz",
                "/%u0041", "?", "?x=%0d%0a", "?limit=-1", "?from=9999-99-99", "#frag", "/../admin/keys",
                "/\u00e9", "/%C0%AE%C0%AE", "/" + "a".repeat(3000));
        Arbitrary<String> prefix = Arbitraries.of("", "/", "//", "/api/v1/../", "/API/V1/", "/%61pi/v1/");
        return Combinators.combine(prefix, documented, suffix).as((before, path, after) ->
                before.isEmpty() ? path + after : before + path.substring(1) + after);
    }

    @Provide
    Arbitrary<Request> adminRequests() {
        String admin = "Authorization: Bearer " + TestStack.get().adminToken();
        List<String> json = List.of(admin, "Content-Type: application/json");
        Arbitrary<Request> tokens = Combinators.combine(jsonValues(), Arbitraries.of("\"lookup\"", "\"admin\"", "\"root\"",
                "null", "1", "\"LOOKUP\"")).as((name, role) -> new Request("POST", "/api/v1/admin/tokens",
                        "POST /api/v1/admin/tokens", json, utf8("{\"name\": " + name + ", \"role\": " + role + "}")));
        Arbitrary<Request> revoke = hostileStrings().map(id -> new Request("DELETE",
                "/api/v1/admin/tokens/" + encode(id.isEmpty() ? "x" : id), "DELETE /api/v1/admin/tokens/{id}", List.of(admin), null));
        Arbitrary<Request> history = jsonValues().map(number -> new Request("POST", "/api/v1/admin/numbers/history",
                "POST /api/v1/admin/numbers/history", json, utf8("{\"phone_number\": " + number + "}")));
        Arbitrary<Request> audit = Combinators.combine(Arbitraries.of("from", "to", "last4", "campaign_id", "outcome",
                "limit", "unknown"), Arbitraries.oneOf(hostileStrings(), Arbitraries.of("2026-11-25T00:00:00Z",
                        "0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "1e3", "-1", "1001", "0123", "hit")))
                .as((name, value) -> new Request("GET", "/api/v1/admin/audit?" + name + "=" + encode(value),
                        "GET /api/v1/admin/audit", List.of(admin), null));
        // Only dates that cannot start a job: a real nightly run would change what other tests see.
        Arbitrary<Request> nightly = Arbitraries.oneOf(hostileStrings().map(FuzzSystemTest::quoted),
                Arbitraries.of("\"2999-01-01\"", "\"2026-13-01\"", "\"2026-02-30\"", "20261124", "null", "[]"))
                .map(date -> new Request("POST", "/api/v1/admin/jobs/nightly", "POST /api/v1/admin/jobs/nightly", json,
                        utf8("{\"job_date\": " + date + "}")));
        Arbitrary<Request> job = hostileStrings().map(id -> new Request("GET",
                "/api/v1/admin/jobs/" + encode(id.isEmpty() ? "x" : id), "GET /api/v1/admin/jobs/{id}", List.of(admin), null));
        Arbitrary<Request> reads = Arbitraries.of(new Request("GET", "/api/v1/admin/tokens", "GET /api/v1/admin/tokens",
                List.of(admin), null), new Request("GET", "/api/v1/admin/keys", "GET /api/v1/admin/keys", List.of(admin), null),
                new Request("GET", "/api/v1/openapi.yaml", "GET /api/v1/openapi.yaml", List.of(admin), null));
        // Rotation with the admin role would re-encrypt the cache under the tests' feet: only refusals.
        Arbitrary<Request> rotate = lookupAuthorizations().map(authorization -> new Request("POST",
                "/api/v1/admin/keys/rotate", "POST /api/v1/admin/keys/rotate", List.of(authorization), null));
        // Bodies a subscription cannot be made from: a valid one would receive every later change.
        Arbitrary<Request> subscribe = Combinators.combine(jsonValues(), Arbitraries.of("[\"number.flagged\"]", "[]",
                "[\"number.deleted\"]", "null", "\"number.flagged\"", "[1]", "{}"), jsonValues())
                .as((url, events, campaign) -> new Request("POST", "/api/v1/admin/webhooks", "POST /api/v1/admin/webhooks",
                        json, utf8("{\"url\": " + url + ", \"events\": " + events + ", \"campaign_id\": " + campaign
                                + "}")));
        Arbitrary<Request> webhooks = hostileStrings().flatMap(id -> {
            String path = "/api/v1/admin/webhooks/" + encode(id.isEmpty() ? "x" : id);
            return Arbitraries.of(
                    new Request("GET", path, "GET /api/v1/admin/webhooks/{id}", List.of(admin), null),
                    new Request("DELETE", path, "DELETE /api/v1/admin/webhooks/{id}", List.of(admin), null),
                    new Request("GET", "/api/v1/admin/webhooks/whk_0000000000000000/deliveries?status=" + encode(id),
                            "GET /api/v1/admin/webhooks/{id}/deliveries", List.of(admin), null),
                    new Request("GET", "/api/v1/admin/webhooks", "GET /api/v1/admin/webhooks", List.of(admin), null));
        });
        Arbitrary<Request> health = hostileStrings().flatMap(id -> Arbitraries.of(
                new Request("GET", "/api/v1/admin/campaigns/" + encode(id.isEmpty() ? "x" : id) + "/health",
                        "GET /api/v1/admin/campaigns/{campaign_id}/health", List.of(admin), null),
                new Request("GET", "/api/v1/admin/campaigns/health?campaign_id=" + encode(id),
                        "GET /api/v1/admin/campaigns/health", List.of(admin), null)));
        return Arbitraries.oneOf(tokens, revoke, history, audit, nightly, job, reads, rotate, subscribe, webhooks, health);
    }

    @Provide
    Arbitrary<List<String>> hostileHeaders() {
        Arbitrary<String> header = Arbitraries.oneOf(
                Arbitraries.of("X-Forwarded-For: 10.1.2.3", "X-Forwarded-For: not-an-address", "X-Forwarded-For: ,,,",
                        "X-Forwarded-Proto: gopher", "Forwarded: for=\"[::1]\";proto=https", "Host: evil.example",
                        "X-Request-Id: 00000000-0000-0000-0000-000000000000", "X-Request-Id: ' OR 1=1",
                        "Origin: https://evil.example", "Accept: application/xml", "Accept: */*;q=0",
                        "Accept-Encoding: gzip, br, zstd", "Transfer-Encoding: identity", "Expect: 100-continue",
                        "Connection: keep-alive, Upgrade", "Upgrade: h2c", "X-HTTP-Method-Override: DELETE",
                        "Cookie: " + "a=b; ".repeat(200), "X-Spamcheck-Unreadable: BAD_REQUEST"),
                hostileStrings().map(value -> "X-Fuzz: " + value.replaceAll("[\\r\\n]", " ")),
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20)
                        .map(name -> name.replace(":", "") + ": x"));
        return header.list().ofMaxSize(4);
    }

    // --- helpers ----------------------------------------------------------------------------------

    private static <T> Tuple2<Integer, Arbitrary<? extends T>> weighted(int weight, Arbitrary<T> arbitrary) {
        return Tuple.of(weight, arbitrary);
    }

    private static String quoted(String text) {
        return JSON.writeValueAsString(text);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
