package dev.spamcheck.gateway.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.spamcheck.gateway.auth.GatewaySlice.problem;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.spamcheck.gateway.auth.GatewaySlice;
import dev.spamcheck.gateway.auth.GatewaySlice.SentToKafka;
import dev.spamcheck.gateway.auth.GatewaySliceTest;
import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.schemas.topic.Topics;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/spam_score} on the WebFlux layer, behind the real perimeter and audit
 * filter, with the cache and lookup-worker ({@link LookupService}) stood in for: what each kind of
 * answer looks like to the caller, what a bad request gets, and the one audit event each sends.
 */
@GatewaySliceTest(SpamScoreRoute.class)
@Import(ValidNumbers.class)
class SpamScoreHandlerTest {

    private static final String NUMBER = "+12025550123";

    @Autowired
    WebTestClient http;

    @Autowired
    SentToKafka kafka;

    @Autowired
    NumberProtection protection;

    @MockitoBean
    LookupService lookups;

    @BeforeEach
    void nothingSentYet() {
        kafka.clear();
    }

    @Test
    void aCachedAnswerIsTheScoreAndWhenItWasCheckedToTheSecondAuditedAsAHit() {
        Instant checked = Instant.parse("2026-12-03T10:15:30.123456Z");
        when(lookups.answer(eq(NUMBER), anyString(), eq("spring-push"), anyString(), any(), any()))
                .thenReturn(Mono.just(new Answer(Outcome.SCORED, 1, checked, null, true, false)));

        post("{\"phone_number\":\"" + NUMBER + "\",\"campaign_id\":\"spring-push\"}")
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().json("{\"spam_score\":1,\"checked_at\":\"2026-12-03T10:15:30Z\"}", true);

        AuditEvent audit = onlyAuditEvent();
        assertThat(audit.outcome()).isEqualTo("hit");
        assertThat(audit.httpStatus()).isEqualTo(200);
        assertThat(audit.numberLast4()).isEqualTo("0123");
        assertThat(audit.numberHash()).isEqualTo(protection.hash(NUMBER));
        assertThat(audit.campaignId()).isEqualTo("spring-push");
        assertThat(audit.toString()).doesNotContain("2025550123");
    }

    @Test
    void theRiskAndEachSourcesVerdictComeWithTheScore() {
        List<SourceVerdict> sources = List.of(
                new SourceVerdict("nomorobo_spamscore", SourceVerdict.Verdict.CLEAN, 0, List.of(), "successful"),
                new SourceVerdict("marchex_cleancall", SourceVerdict.Verdict.FLAGGED, null, List.of("Robocaller"),
                        "successful"),
                SourceVerdict.unknown("icehook_scout", "failed"));
        when(lookups.answer(eq(NUMBER), anyString(), any(), anyString(), any(), any()))
                .thenReturn(Mono.just(new Answer(Outcome.SCORED, 1, Instant.parse("2026-12-03T10:15:30Z"), null, false,
                        false, null, 0, sources)));

        post("{\"phone_number\":\"" + NUMBER + "\"}").expectStatus().isOk().expectBody().json("""
                {"spam_score": 1, "checked_at": "2026-12-03T10:15:30Z", "risk": 0, "sources": [
                  {"source": "nomorobo_spamscore", "verdict": "clean", "score": 0, "status": "successful"},
                  {"source": "marchex_cleancall", "verdict": "flagged", "reasons": ["Robocaller"], "status": "successful"},
                  {"source": "icehook_scout", "verdict": "unknown", "status": "failed"}]}""", true);
    }

    @Test
    void aFreshLookupIsAuditedAsAMiss() {
        when(lookups.answer(eq(NUMBER), anyString(), any(), anyString(), any(), any()))
                .thenReturn(Mono.just(new Answer(Outcome.SCORED, 0, Instant.parse("2026-12-03T10:15:30Z"), null, false, false)));

        post("{\"phone_number\":\"" + NUMBER + "\"}").expectStatus().isOk()
                .expectBody().jsonPath("$.spam_score").isEqualTo(0);

        assertThat(onlyAuditEvent().outcome()).isEqualTo("miss");
    }

    @Test
    void aStaleAnswerSaysSoKeepsItsOwnCheckTimeAndIsAuditedAsStale() {
        when(lookups.answer(eq(NUMBER), anyString(), any(), anyString(), any(), eq(Duration.ofHours(36))))
                .thenReturn(Mono.just(new Answer(Outcome.SCORED, 1, Instant.parse("2026-12-01T08:00:00Z"), null, true,
                        true)));

        post("{\"phone_number\":\"" + NUMBER + "\",\"max_stale\":\"PT36H\"}").expectStatus().isOk()
                .expectBody().json("{\"spam_score\":1,\"checked_at\":\"2026-12-01T08:00:00Z\",\"stale\":true}", true);

        AuditEvent audit = onlyAuditEvent();
        assertThat(audit.outcome()).isEqualTo("stale");
        assertThat(audit.httpStatus()).isEqualTo(200);
        assertThat(audit.numberHash()).isEqualTo(protection.hash(NUMBER));
    }

    @Test
    void aNumberTwilioDoesNotKnowIs422() {
        answer(new Answer(Outcome.NOT_FOUND, null, Instant.now(), "not_found", false, false));

        problem(post("{\"phone_number\":\"" + NUMBER + "\",\"campaign_id\":\"spring\"}"), 422,
                "phone_number_not_found");
        AuditEvent audit = onlyAuditEvent();
        assertThat(audit.errorCode()).isEqualTo("phone_number_not_found");
        assertThat(audit.outcome()).isEqualTo("not_found");
        // Campaign health counts the number into the campaign by it, as for a score.
        assertThat(audit.numberHash()).isEqualTo(protection.hash(NUMBER));
        assertThat(audit.campaignId()).isEqualTo("spring");
    }

    @Test
    void whenTheDailyBudgetIsSpentTheCallerIsToldToComeBackAtMidnightUtc() {
        Instant checked = Instant.parse("2026-12-03T23:00:00Z");
        answer(new Answer(Outcome.UNAVAILABLE, null, checked, "budget_exhausted", false, false));

        WebTestClient.ResponseSpec response = post("{\"phone_number\":\"" + NUMBER + "\"}");
        problem(response, 429, "budget_exhausted");
        response.expectHeader().valueEquals("Retry-After", String.valueOf(Duration.ofHours(1).toSeconds()));
    }

    @Test
    void whenTwilioCannotAnswerTheCallerGets503WithRetryAfter() {
        answer(new Answer(Outcome.UNAVAILABLE, null, Instant.now(), "circuit_open", false, false,
                Duration.ofSeconds(7), null, null));
        when(lookups.unavailable(anyString(), eq(Duration.ofSeconds(7)))).thenAnswer(invocation -> new ApiException(
                ErrorCode.SERVICE_UNAVAILABLE, invocation.getArgument(0), invocation.getArgument(1)));

        WebTestClient.ResponseSpec response = post("{\"phone_number\":\"" + NUMBER + "\"}");
        problem(response, 503, "service_unavailable");
        response.expectHeader().valueEquals("Retry-After", "7");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "",
            "[]",
            "\"+12025550123\"",
            "{\"phone_number\":\"+12025550123\"",
            "{}",
            "{\"phone_number\":null}",
            "{\"phone_number\":12025550123}",
            "{\"phone_number\":\"+12025550123\",\"phone_number\":\"+12025550199\"}",
            "{\"phone_number\":\"+12025550123\",\"extra\":1}",
            "{\"phone_number\":\"+12025550123\",\"campaign_id\":\"a\\u0000b\"}",
            "{\"phone_number\":\"+12025550123\\u0000\"}",
            "{\"phone_number\":\"+12025550123\",\"campaign_id\":\"a\\nb\"}",
            "{\"phone_number\":\"+12025550123\",\"campaign_id\":\" \"}",
            "{\"phone_number\":\"+12025550123\",\"campaign_id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
            "{\"phone_number\":\"+12025550123\",\"max_stale\":\"7 days\"}",
            "{\"phone_number\":\"+12025550123\",\"max_stale\":\"-PT1H\"}",
            "{\"phone_number\":\"+12025550123\",\"max_stale\":3600}",
            "{\"phone_number\":\"+12025550123\",\"max_stale\":\"PT1H\\u0000\"}"})
    void aMalformedBodyIs400InvalidRequestAndNeverReachesALookup(String body) {
        assertThat(problem(post(body), 400, "invalid_request")).doesNotContain("2025550");
        verify(lookups, never()).answer(any(), any(), any(), any(), any(), any());
        assertThat(onlyAuditEvent().outcome()).isEqualTo("invalid");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"+442079460958", "+1202555012", "+120255501234", "+10005550123", "2025550123",
            "(202) 555-0123", "+1 202 555 0123 ext. 9", "not a number", ""})
    void aNumberThatIsNotAUsNumberIs400InvalidPhoneNumberWithoutQuotingIt(String number) {
        String body = problem(post("{\"phone_number\":\"" + number + "\"}"), 400, "invalid_phone_number");
        if (!number.isEmpty()) {
            assertThat(body).doesNotContain(number);
        }
        verify(lookups, never()).answer(any(), any(), any(), any(), any(), any());
    }

    @Test
    void aBodyOver4KiBIs413Unread() {
        problem(post("{\"phone_number\":\"" + NUMBER + "\",\"campaign_id\":\"" + "x".repeat(5000) + "\"}"), 413,
                "payload_too_large");
    }

    @Test
    void anythingButJsonIs415() {
        problem(http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .contentType(MediaType.TEXT_PLAIN).bodyValue("phone_number=" + NUMBER).exchange(), 415,
                "unsupported_media_type");
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"*/*", "application/*", "application/json", "text/html, application/json;q=0.5"})
    void anAcceptThatTakesJsonGetsJson(String accept) {
        answer(new Answer(Outcome.SCORED, 0, Instant.parse("2026-12-03T10:15:30Z"), null, true, false));
        http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .header("Accept", accept).contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}").exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody().json("{\"spam_score\":0,\"checked_at\":\"2026-12-03T10:15:30Z\"}", true);
    }

    @Test
    void anAcceptThatRefusesJsonIsRefusedBeforeAnyLookup() {
        answer(new Answer(Outcome.SCORED, 0, Instant.parse("2026-12-03T10:15:30Z"), null, true, false));
        problem(http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .header("Accept", "text/plain").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}").exchange(), 400, "invalid_request");
        verifyNoInteractions(lookups);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET", "HEAD", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "FOO", "post"})
    void anyOtherMethodIs405WithTheAllowedMethod(String method) {
        WebTestClient.ResponseSpec response = http.method(HttpMethod.valueOf(method)).uri("/api/v1/spam_score")
                .header("Authorization", "Bearer " + GatewaySlice.LOOKUP).exchange();
        response.expectStatus().isEqualTo(405).expectHeader().valueEquals("Allow", "POST");
        if (!method.equals("HEAD")) {
            problem(response, 405, "method_not_allowed");
        }
        verifyNoInteractions(lookups);
        assertThat(onlyAuditEvent().errorCode()).isEqualTo("method_not_allowed");
    }

    /** The route's literal is known to the audit (a path its own handler maps, not an annotation). */
    @Test
    void aNumberInThePathIsRecordedAsAStar() {
        problem(http.post().uri("/api/v1/spam_score/" + NUMBER).header("Authorization", "Bearer " + GatewaySlice.ADMIN)
                .exchange(), 404, "not_found");
        assertThat(onlyAuditEvent().path()).isEqualTo("/api/v1/spam_score/*");
    }

    @Test
    void optionsNamesTheMethods() {
        http.options().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("Allow", "POST,OPTIONS")
                .expectBody().isEmpty();
        verifyNoInteractions(lookups);
    }

    @Test
    void jsonWithItsCharsetIsJson() {
        answer(new Answer(Outcome.SCORED, 0, Instant.parse("2026-12-03T10:15:30Z"), null, true, false));
        http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .header("Content-Type", "application/json;charset=UTF-8")
                .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}").exchange()
                .expectStatus().isOk();
    }

    /** JSON is UTF-8 (RFC 8259): a body declared otherwise is refused for that, not as broken JSON. */
    @ParameterizedTest(name = "charset={0}")
    @ValueSource(strings = {"UTF-16", "ISO-8859-1"})
    void jsonInAnotherCharsetIs415BeforeAnyLookup(String charset) {
        problem(http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .header("Content-Type", "application/json; charset=" + charset)
                .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}".getBytes(Charset.forName(charset))).exchange(),
                415, "unsupported_media_type");
        verifyNoInteractions(lookups);
    }

    @Test
    void jsonDeclaredAsUsAsciiOrQuotedUtf8IsJson() {
        answer(new Answer(Outcome.SCORED, 0, Instant.parse("2026-12-03T10:15:30Z"), null, true, false));
        for (String type : List.of("application/json; charset=us-ascii", "application/json; charset=\"utf-8\"")) {
            http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                    .header("Content-Type", type)
                    .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}").exchange()
                    .expectStatus().isOk();
        }
    }

    @ParameterizedTest(name = "Content-Type: {0}")
    @ValueSource(strings = {"application/octet-stream", "application/problem+json", "application/x-www-form-urlencoded"})
    void aBodyThatDoesNotSayItIsJsonIs415BeforeAnyLookup(String contentType) {
        problem(http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .header("Content-Type", contentType)
                .bodyValue("{\"phone_number\":\"" + NUMBER + "\"}".getBytes(StandardCharsets.UTF_8)).exchange(),
                415, "unsupported_media_type");
        verifyNoInteractions(lookups);
    }

    private void answer(Answer answer) {
        when(lookups.answer(anyString(), anyString(), any(), anyString(), any(), any())).thenReturn(Mono.just(answer));
    }

    private WebTestClient.ResponseSpec post(String body) {
        return http.post().uri("/api/v1/spam_score").header("Authorization", "Bearer " + GatewaySlice.LOOKUP)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private AuditEvent onlyAuditEvent() {
        List<AuditEvent> events = kafka.to(Topics.AUDIT_EVENTS.name(), AuditEvent.class);
        assertThat(events).hasSize(1);
        return events.get(0);
    }
}
