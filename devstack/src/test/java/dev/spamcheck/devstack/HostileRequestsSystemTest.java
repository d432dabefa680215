package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.topic.Topics;
import tools.jackson.databind.JsonNode;

/**
 * Each way in that was found open, tried again through real HTTP: nothing is done without the
 * right credential, every exchange is answered as a problem and audited, and the audit trail
 * holds no number and no token however they were smuggled in.
 */
class HostileRequestsSystemTest {

    private static final String ADMIN_BODY = "{\"name\": \"smuggled\", \"role\": \"admin\"}";

    @Test
    void anEncodedAdminPathWithoutATokenCreatesNoToken() throws Exception {
        long tokens = tokenCount();
        RawHttp.Response response = RawHttp.send("POST", "/%61pi/v1/admin/tokens", null, ADMIN_BODY);
        assertProblem(response, 400, "invalid_request");
        assertThat(response.body()).doesNotContain("sct_");
        assertThat(tokenCount()).isEqualTo(tokens);
        assertThat(AuditLog.awaitRow(response.requestId()).get("path")).isEqualTo("/*/v1/admin/tokens");
    }

    @Test
    void aParameterOnASegmentReadsNoAuditLog() {
        RawHttp.Response response = RawHttp.send("GET", "/api;x=y/v1/admin/audit", null, null);
        assertProblem(response, 400, "invalid_request");
        assertThat(response.body()).doesNotContain("events");
    }

    @Test
    void anEncodedLookupPathWithoutATokenPaysForNothing() {
        String number = TestStack.uniqueNumber("0123");
        long requests = TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name());
        RawHttp.Response response = RawHttp.send("POST", "/%61pi/v1/spam_score", null,
                "{\"phone_number\": \"" + number + "\"}");
        assertProblem(response, 400, "invalid_request");
        assertThat(TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name())).isEqualTo(requests);
        assertThat(TestStack.get().twilio().callsFor(number)).isZero();
    }

    @Test
    void aLookupTokenReachesNoAdminEndpointThroughAVariantPath() throws Exception {
        long tokens = tokenCount();
        for (String target : List.of("/api/v1/admin;x=y/tokens", "/api/v1/%61dmin/tokens", "/api/v1/admin/tokens;x=y")) {
            for (String method : List.of("GET", "POST")) {
                RawHttp.Response response = RawHttp.send(method, target, TestStack.get().lookupToken(),
                        method.equals("POST") ? ADMIN_BODY : null);
                assertThat(response.status()).as("%s %s", method, target).isEqualTo(400);
                assertThat(response.body()).doesNotContain("tok_").doesNotContain("sct_");
            }
        }
        assertThat(tokenCount()).isEqualTo(tokens);
    }

    @Test
    void numbersInUrlsNeverReachTheAuditTrail() {
        String inParameter = TestStack.uniqueNumber("0199");
        String inPath = TestStack.uniqueNumber("0198");
        List<RawHttp.Response> responses = List.of(
                RawHttp.send("POST", "/api/v1/spam_score;n=" + inParameter, TestStack.get().lookupToken(),
                        "{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\"}"),
                RawHttp.send("GET", "/api/v1/spam_score/" + inPath, TestStack.get().lookupToken(), null),
                RawHttp.send("GET", "/api/v1/spam_score/" + inPath, TestStack.get().adminToken(), null));
        for (RawHttp.Response response : responses) {
            assertThat(response.status()).isBetween(400, 499);
            String path = (String) AuditLog.awaitRow(response.requestId()).get("path");
            assertThat(path).doesNotContain(inParameter.substring(2)).doesNotContain(inPath.substring(2));
            assertThat(response.json().get("instance").asString()).isEqualTo(path);
        }
        assertThat(TestStack.get().twilio().callsFor(inParameter) + TestStack.get().twilio().callsFor(inPath)).isZero();
    }

    @Test
    void aTokenInAPathParameterIsRefusedAndNeverRecorded() {
        String token = TestStack.get().lookupToken();
        RawHttp.Response response = RawHttp.send("GET", "/api/v1/openapi.yaml;access_token=" + token, null, null);
        assertProblem(response, 400, "invalid_request");
        Map<String, Object> row = AuditLog.awaitRow(response.requestId());
        assertThat(row.get("path")).isEqualTo("/api/v1/openapi.yaml");
        assertThat(row.toString()).doesNotContain(token.substring(4));
    }

    /** curl and most HTTP libraries send a query's non-ASCII characters raw, as UTF-8. */
    @Test
    void aCampaignSentAsRawUtf8InAQueryIsTheCampaignItNames() {
        String campaign = "Café-" + System.nanoTime();
        RawHttp.Response lookup = RawHttp.send("POST", "/api/v1/spam_score", TestStack.get().lookupToken(),
                "{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\", \"campaign_id\": \"" + campaign + "\"}");
        assertThat(lookup.status()).isEqualTo(200);
        AuditLog.awaitRow(lookup.requestId());
        String query = new String(campaign.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        RawHttp.Response audit = RawHttp.send("GET", "/api/v1/admin/audit?campaign_id=" + query,
                TestStack.get().adminToken(), null);

        assertThat(audit.status()).isEqualTo(200);
        assertThat(audit.json().get("events").valueStream().map(event -> event.get("request_id").asString()))
                .containsExactly(lookup.requestId());
    }

    @Test
    void aNulInACampaignIsRefusedAndEveryExchangeKeepsItsAuditRow() {
        String campaign = "neighbours-" + System.nanoTime();
        List<RawHttp.Response> responses = new ArrayList<>();
        for (String id : List.of(campaign, campaign + "\\u0000", campaign)) {
            responses.add(RawHttp.send("POST", "/api/v1/spam_score", TestStack.get().lookupToken(),
                    "{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\", \"campaign_id\": \"" + id + "\"}"));
        }
        assertThat(responses).extracting(RawHttp.Response::status).containsExactly(200, 400, 200);
        assertThat(responses.get(1).code()).isEqualTo("invalid_request");
        assertThat(responses.get(1).json().get("detail").asString()).contains("campaign_id");
        for (RawHttp.Response response : responses) {
            AuditLog.awaitRow(response.requestId());
        }
        assertThat(AuditLog.awaitRow(responses.get(1).requestId()).get("campaign_id")).isNull();
    }

    @Test
    void aClientThatHangsUpDuringAPaidLookupLeavesExactlyOneAuditRow() throws Exception {
        // The stub stalls on ...7777, so the lookup is still being paid for when the client leaves.
        String number = TestStack.uniqueNumber("7777");
        String campaign = "hang-up-" + System.nanoTime();
        try (Socket client = RawHttp.open(TestStack.get().gatewayPort(), "POST", "/api/v1/spam_score",
                List.of("Authorization: Bearer " + TestStack.get().lookupToken(), "Content-Type: application/json"),
                "{\"phone_number\": \"" + number + "\", \"campaign_id\": \"" + campaign + "\"}")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> TestStack.get().twilio().callsFor(number) >= 1);
        }

        List<Map<String, Object>> rows = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> AuditLog.rowsOfCampaign(campaign), found -> !found.isEmpty());
        assertThat(rows).hasSize(1);
        Map<String, Object> row = rows.get(0);
        assertThat(row.get("outcome")).isEqualTo("abandoned");
        assertThat(((Number) row.get("http_status")).intValue()).isEqualTo(499);
        assertThat(row.get("number_last4")).isEqualTo("7777");
        assertThat(row.get("token_id")).asString().startsWith("tok_");
        TestStack.recordRequestId(row.get("request_id").toString());
    }

    @Test
    void aClientThatHangsUpHalfWayThroughItsBodyIsAuditedAsAbandonedNotAsAFailure() throws Exception {
        JsonNode token = AdminApi.createToken("half-body-" + System.nanoTime(), "lookup");
        try (Socket client = new Socket("127.0.0.1", TestStack.get().gatewayPort())) {
            client.getOutputStream().write(("POST /api/v1/spam_score HTTP/1.1\r\nHost: spamcheck\r\n"
                    + "Authorization: Bearer " + token.get("token").asString() + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"phone_number\": \"+1202")
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            // Nothing outside the gateway shows that it has begun reading the body; this is ample.
            Thread.sleep(300);
        }

        List<Map<String, Object>> rows = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> AuditLog.rowsOfToken(token.get("id").asString()), found -> !found.isEmpty());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("outcome")).isEqualTo("abandoned");
        assertThat(((Number) rows.get(0).get("http_status")).intValue()).isEqualTo(499);
        String requestId = rows.get(0).get("request_id").toString();
        TestStack.recordRequestId(requestId);
        assertThat(Files.readString(Path.of("target", "devstack-tests.log")))
                .as("no ERROR for a client that went away").doesNotContain("(request " + requestId + ")");
    }

    @Test
    void valuesTheDatabaseCannotTakeAre400NotErrors() throws Exception {
        long tokens = tokenCount();
        String admin = TestStack.get().adminToken();
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?to=%2B300000-01-01T00:00:00Z", admin, null), 400,
                "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?from=-99999-01-01T00:00:00Z", admin, null), 400,
                "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?campaign_id=%00", admin, null), 400, "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?limit=1&limit=2", admin, null), 400, "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?limit=ten", admin, null), 400, "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/audit?lmit=10", admin, null), 400, "invalid_request");
        assertProblem(RawHttp.send("POST", "/api/v1/admin/tokens", admin, "{\"name\": \"a\\u0000b\", \"role\": \"lookup\"}"),
                400, "invalid_request");
        assertProblem(RawHttp.send("DELETE", "/api/v1/admin/tokens/%00", admin, null), 400, "invalid_request");
        assertProblem(RawHttp.send("GET", "/api/v1/admin/jobs/-99999-01-01", admin, null), 404, "not_found");
        assertProblem(RawHttp.send("POST", "/api/v1/admin/jobs/nightly", admin, "{\"job_date\": \"+300000-01-01\"}"), 400,
                "invalid_request");
        assertThat(tokenCount()).isEqualTo(tokens);
    }

    @Test
    void aMalformedEscapeIsAProblemAndAudited() {
        RawHttp.Response response = RawHttp.send("GET", "/api/v1/%zz", TestStack.get().lookupToken(), null);
        assertProblem(response, 400, "invalid_request");
        assertThat(AuditLog.awaitRow(response.requestId()).get("path")).isEqualTo("/api/v1/*");
    }

    @Test
    void requestsTheServerCannotReadAreProblemsAndAudited() {
        int port = TestStack.get().gatewayPort();
        RawHttp.Response longLine = RawHttp.send(port, "GET", "/api/v1/" + "a".repeat(5000), List.of(), null);
        assertProblem(longLine, 414, "uri_too_long");
        RawHttp.Response bigHeaders = RawHttp.send(port, "GET", "/api/v1/spam_score", List.of("X-Big: " + "a".repeat(9000)),
                null);
        assertProblem(bigHeaders, 431, "headers_too_large");
        RawHttp.Response notHttp = RawHttp.send(port, "GET", "/api/v1/spam_score and more", List.of(), null);
        assertProblem(notHttp, 400, "invalid_request");
        RawHttp.Response notAPath = RawHttp.send(port, "OPTIONS", "*", List.of(), null);
        assertProblem(notAPath, 400, "invalid_request");
        RawHttp.Response pipe = RawHttp.send(port, "GET", "/api/v1/spam_score|" + TestStack.uniqueNumber("0123"),
                List.of(), null);
        assertProblem(pipe, 400, "invalid_request");
        for (RawHttp.Response response : List.of(longLine, bigHeaders, notHttp, notAPath, pipe)) {
            assertThat(AuditLog.awaitRow(response.requestId()).get("http_status")).isEqualTo(response.status());
        }
    }

    @Test
    void aHostOrVersionReactorNettyCannotTakeIsAProblemAndAudited() {
        int port = TestStack.get().gatewayPort();
        String token = "Authorization: Bearer " + TestStack.get().lookupToken() + "\r\n";
        for (String request : List.of(
                "GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: x:abc\r\n" + token + "Connection: close\r\n\r\n",
                "GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: x:99999\r\n" + token + "Connection: close\r\n\r\n",
                "GET /api/v1/openapi.yaml HTTP/2.0\r\nHost: x\r\n" + token + "Connection: close\r\n\r\n")) {
            RawHttp.Response response = RawHttp.sendRaw(port, request);
            assertProblem(response, 400, "invalid_request");
            assertThat(AuditLog.awaitRow(response.requestId()).get("http_status")).isEqualTo(400);
        }
        RawHttp.Response bracketed = RawHttp.sendRaw(port,
                "GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: [::1]:" + port + "\r\n" + token + "Connection: close\r\n\r\n");
        assertThat(bracketed.status()).isEqualTo(200);
        RawHttp.Response laterMinor = RawHttp.sendRaw(port,
                "GET /api/v1/openapi.yaml HTTP/1.2\r\nHost: x\r\n" + token + "Connection: close\r\n\r\n");
        assertThat(laterMinor.status()).as("served as HTTP/1.1").isEqualTo(200);
    }

    @Test
    void aBodyTheServerCannotDecodeIsAProblemAuditedAndItsConnectionClosed() {
        // Kept alive, but the decoder drops whatever follows a malformed chunk: the server must close
        // (sendRaw reads until it does; a connection left open would time the test out).
        int port = TestStack.get().gatewayPort();
        String json = "{\"phone_number\": \"" + TestStack.uniqueNumber("0123") + "\"}";
        String head = "POST /api/v1/spam_score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n";
        String token = "Authorization: Bearer " + TestStack.get().lookupToken() + "\r\n";
        long requests = TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name());

        RawHttp.Response badSize = RawHttp.sendRaw(port, head + token + "\r\nzz\r\n" + json + "\r\n0\r\n\r\n");
        // All of the JSON arrived before the bad chunk: still not a request to answer.
        RawHttp.Response afterTheJson = RawHttp.sendRaw(port,
                head + token + "\r\n" + Integer.toHexString(json.length()) + "\r\n" + json + "\r\nzz\r\n");
        RawHttp.Response noToken = RawHttp.sendRaw(port, head + "\r\nzz\r\n" + json + "\r\n0\r\n\r\n");

        assertProblem(badSize, 400, "invalid_request");
        assertThat(badSize.json().get("detail").asString()).isEqualTo("The request body is not valid HTTP");
        assertThat(badSize.header("Connection")).hasValue("close");
        assertProblem(afterTheJson, 400, "invalid_request");
        assertProblem(noToken, 401, "unauthorized");
        for (RawHttp.Response response : List.of(badSize, afterTheJson, noToken)) {
            assertThat(AuditLog.awaitRow(response.requestId()).get("http_status")).isEqualTo(response.status());
        }
        assertThat(TopicContents.endOffsetTotal(Topics.LOOKUP_REQUESTS.name())).isEqualTo(requests);

        // Pipelined behind a good request: that one is answered, then the connection is closed.
        String good = "POST /api/v1/spam_score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + token + "Content-Length: " + json.length() + "\r\n\r\n" + json;
        RawHttp.Response first = RawHttp.sendRaw(port, good + head + token + "\r\nzz\r\n");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Connection")).hasValue("close");
    }

    @Test
    void anAnswerGivenBeforeTheBodyIsReadIsNotLostToAReset() {
        // Closing with request bytes unread would reset the connection: readAllBytes would fail.
        int port = TestStack.get().gatewayPort();
        String body = "{\"phone_number\": \"" + "\\u0000".repeat(5000) + "\"}";
        RawHttp.Response unsupported = RawHttp.send(port, "POST", "/api/v1/spam_score", List.of(
                "Authorization: Bearer " + TestStack.get().lookupToken(), "Content-Type: text/plain"), body);
        assertProblem(unsupported, 415, "unsupported_media_type");
        RawHttp.Response undecodable = RawHttp.send(port, "POST", "/api/v1/spam_score", List.of(
                "Authorization: Bearer " + TestStack.get().lookupToken(), "X-Odd: a\u0000b", "Content-Type: application/json"),
                body);
        assertProblem(undecodable, 400, "invalid_request");
    }

    @Test
    void aSpoofedVerdictHeaderIsIgnored() {
        RawHttp.Response response = RawHttp.send(TestStack.get().gatewayPort(), "GET", "/api/v1/openapi.yaml",
                List.of("Authorization: Bearer " + TestStack.get().lookupToken(), "X-Spamcheck-Unreadable: URI_TOO_LONG"),
                null);
        assertThat(response.status()).isEqualTo(200);
    }

    static void assertProblem(RawHttp.Response response, int status, String code) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Content-Type")).hasValue("application/problem+json");
        assertThat(response.code()).isEqualTo(code);
        assertThat(response.json().get("request_id").asString()).isEqualTo(response.requestId());
    }

    private static long tokenCount() throws Exception {
        try (Connection db = TestStack.database();
                PreparedStatement count = db.prepareStatement("SELECT count(*) FROM api_tokens");
                ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
