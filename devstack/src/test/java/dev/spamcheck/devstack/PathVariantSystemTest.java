package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.spamcheck.schemas.topic.Topics;

/**
 * Every endpoint, reached through every way of spelling its path that a router, a proxy or a
 * rule could read differently (encoded letters, {@code ;} parameters on each segment,
 * {@code //}, {@code /./}, {@code /../} sent as is, a trailing slash, upper case, a token in a
 * parameter), plus {@code HEAD} and {@code OPTIONS} without {@code Origin}, with no token, a lookup
 * token and an admin token. No spelling other than the canonical one does anything, and no
 * credential does more than its role allows: no token is created, no data returned, no lookup
 * requested, no job triggered, no webhook subscribed.
 */
class PathVariantSystemTest {

    private record Endpoint(String method, String path, String body, boolean adminOnly) {
    }

    private record Credential(String name, String token, boolean admin) {
    }

    private static final Set<String> NUMBERS = new HashSet<>();
    private static long tokensBefore;
    private static long webhooksBefore;
    private static long triggersBefore;

    @BeforeAll
    static void countWhatCouldBeDone() throws Exception {
        tokensBefore = tokenCount();
        webhooksBefore = count("webhook_subscriptions");
        triggersBefore = TopicContents.endOffsetTotal(Topics.ARCHIVE_TRIGGERS.name());
    }

    @AfterAll
    static void nothingWasDone() throws Exception {
        assertThat(tokenCount()).as("tokens").isEqualTo(tokensBefore);
        assertThat(count("webhook_subscriptions")).as("webhook subscriptions").isEqualTo(webhooksBefore);
        assertThat(TopicContents.endOffsetTotal(Topics.ARCHIVE_TRIGGERS.name())).as("nightly triggers").isEqualTo(triggersBefore);
        Set<String> hashes = new HashSet<>();
        for (String number : NUMBERS) {
            assertThat(TestStack.get().twilio().callsFor(number)).as("Twilio calls").isZero();
            hashes.add(TestStack.protection().hash(number));
        }
        for (ConsumerRecord<String, String> request : TopicContents.read(Topics.LOOKUP_REQUESTS.name())) {
            assertThat(hashes).as("lookup requests").doesNotContain(request.key());
        }
    }

    @TestFactory
    Stream<DynamicTest> noSpellingOfAPathDoesMoreThanTheCredentialAllows() {
        List<Credential> credentials = List.of(new Credential("no token", null, false),
                new Credential("lookup token", TestStack.get().lookupToken(), false),
                new Credential("admin token", TestStack.get().adminToken(), true));
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint endpoint : endpoints()) {
            for (Credential credential : credentials) {
                boolean entitled = credential.token() != null && (credential.admin() || !endpoint.adminOnly());
                for (String target : spellings(endpoint.path(), credential)) {
                    tests.add(DynamicTest.dynamicTest(endpoint.method() + " " + target + " with " + credential.name(), () -> {
                        RawHttp.Response response = RawHttp.send(endpoint.method(), target, credential.token(),
                                endpoint.body());
                        assertThat(response.status()).as("only the canonical path is served").isBetween(400, 499);
                        assertNothingLeaked(response);
                    }));
                }
                for (String method : List.of("HEAD", "OPTIONS")) {
                    tests.add(DynamicTest.dynamicTest(method + " " + endpoint.path() + " (for " + endpoint.method() + ") with "
                            + credential.name(), () -> {
                        RawHttp.Response response = RawHttp.send(method, endpoint.path(), credential.token(), null);
                        if (!entitled) {
                            assertThat(response.status()).isIn(401, 403);
                        }
                        assertNothingLeaked(response);
                    }));
                }
            }
        }
        return tests.stream();
    }

    private static void assertNothingLeaked(RawHttp.Response response) {
        assertThat(response.body()).doesNotContain("tok_").doesNotContain("\"events\"").doesNotContain("spam_score\":")
                .doesNotContain("\"checks\"").doesNotContain("whsec_").doesNotContain("\"webhooks\"")
                .doesNotContain("\"deliveries\"").doesNotContain("numbers_checked");
        assertThat(response.header("X-Request-Id")).isPresent();
        if (response.status() >= 400) {
            assertThat(response.header("Content-Type")).hasValue("application/problem+json");
        }
    }

    private static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("POST", "/api/v1/spam_score", numberBody(), false),
                new Endpoint("GET", "/api/v1/openapi.yaml", null, false),
                new Endpoint("POST", "/api/v1/admin/tokens", "{\"name\": \"matrix\", \"role\": \"admin\"}", true),
                new Endpoint("GET", "/api/v1/admin/tokens", null, true),
                new Endpoint("DELETE", "/api/v1/admin/tokens/tok_0123456789ab", null, true),
                new Endpoint("POST", "/api/v1/admin/numbers/history", numberBody(), true),
                new Endpoint("GET", "/api/v1/admin/audit", null, true),
                new Endpoint("POST", "/api/v1/admin/jobs/nightly", "{}", true),
                new Endpoint("GET", "/api/v1/admin/jobs/2031-01-01", null, true),
                new Endpoint("POST", "/api/v1/admin/webhooks",
                        "{\"url\": \"https://hooks.example.com/matrix\", \"events\": [\"number.flagged\"]}", true),
                new Endpoint("GET", "/api/v1/admin/webhooks", null, true),
                new Endpoint("DELETE", "/api/v1/admin/webhooks/whk_0123456789abcdef", null, true),
                new Endpoint("GET", "/api/v1/admin/webhooks/whk_0123456789abcdef/deliveries", null, true),
                new Endpoint("GET", "/api/v1/admin/campaigns/spring/health", null, true));
    }

    /** Every other way of writing the path. */
    private static List<String> spellings(String path, Credential credential) {
        List<String> spellings = new ArrayList<>();
        String[] segments = path.substring(1).split("/");
        for (int i = 0; i < segments.length; i++) {
            String[] encoded = segments.clone();
            encoded[i] = String.format("%%%02x", (int) segments[i].charAt(0)) + segments[i].substring(1);
            spellings.add("/" + String.join("/", encoded));
            String[] parameter = segments.clone();
            parameter[i] = segments[i] + ";x=y";
            spellings.add("/" + String.join("/", parameter));
            String[] doubled = segments.clone();
            doubled[i] = segments[i] + "/";
            spellings.add("/" + String.join("/", doubled));
        }
        spellings.add("/" + path);
        spellings.add(path.replaceFirst("/v1/", "/v1/./"));
        spellings.add(path.replaceFirst("/v1/", "/v1/x/../"));
        spellings.add("/api/v1/openapi.yaml/.." + path.substring("/api/v1".length()));
        spellings.add(path + "/");
        spellings.add(path.toUpperCase(Locale.ROOT));
        spellings.add(path.replace("/v1/", "/V1/"));
        spellings.add(path + ";access_token=" + (credential.token() == null ? TestStack.get().adminToken() : credential.token()));
        spellings.add(path.replace("/api/", "/api/%2F"));
        spellings.add(path.replace("/api/", "/api/%252F"));
        spellings.add(path.replace("/api/", "/api\\"));
        return spellings;
    }

    private static String numberBody() {
        String number = TestStack.uniqueNumber("0123");
        NUMBERS.add(number);
        return "{\"phone_number\": \"" + number + "\"}";
    }

    private static long tokenCount() throws Exception {
        return count("api_tokens");
    }

    private static long count(String table) throws Exception {
        try (Connection db = TestStack.database(); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
