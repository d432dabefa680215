package dev.spamcheck.worker.twilio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.havingExactly;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.BasicCredentials;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import dev.spamcheck.schemas.testing.TestDatabase;
import dev.spamcheck.worker.WorkerProperties;
import dev.spamcheck.worker.ratelimit.AccountRateLimiterAccess;
import dev.spamcheck.schemas.topic.SourceVerdict;
import dev.spamcheck.worker.provider.ProviderAnswer;
import dev.spamcheck.worker.provider.ProviderAnswer.Answered;
import dev.spamcheck.worker.provider.ProviderAnswer.NotFound;
import dev.spamcheck.worker.provider.ProviderAnswer.Unavailable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One lookup through the real HTTP client against a stand-in Twilio (WireMock), under the real
 * account rate in PostgreSQL: what each kind of answer becomes, which are retried and how often,
 * and what an operator sees counted ({@code spamcheck.twilio.calls} by outcome, {@code
 * spamcheck.twilio.retries}, the account rate and the circuit breaker).
 */
class TwilioLookupsTest {

    private static final String NUMBER = "+12125550123";
    // The number as the client sends it: URL-encoded.
    private static final String PATH = "/v1/PhoneNumbers/%2B12125550123";
    private static final DataSource DATABASE = TestDatabase.pooled(TestDatabase.fresh());
    private static WireMockServer twilio;
    private SimpleMeterRegistry meters;
    private TwilioLookups lookups;

    @BeforeAll
    static void startTwilio() {
        twilio = new WireMockServer(options().dynamicPort());
        twilio.start();
    }

    @AfterAll
    static void stopTwilio() {
        twilio.stop();
    }

    @BeforeEach
    void freshLookups() {
        twilio.resetAll();
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        jdbc.sql("DELETE FROM twilio_calls").update();
        jdbc.sql("DELETE FROM twilio_daily_calls").update();
        jdbc.sql("DELETE FROM twilio_rate").update();
        lookups = lookups(Map.of());
    }

    @Test
    void aScoredAnswerIsTheAddOnsScoreAskedForWithTheAccountsCredentials() {
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));

        assertThat(lookUp()).isEqualTo(nomorobo(1));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)).withBasicAuth(new BasicCredentials("AC0123", "secret"))
                .withQueryParam("AddOns", equalTo("nomorobo_spamscore")));
        assertThat(calls("scored")).isEqualTo(1);
        assertThat(retries()).isZero();
        assertThat(meters.get("spamcheck.twilio.latency").timer().count()).isEqualTo(1);
    }

    @Test
    void aCleanNumberScoresZero() {
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"message\": \"success\", \"score\": 0}")));

        assertThat(lookUp()).isEqualTo(nomorobo(0));
    }

    @Test
    void aFailedAddOnIsAnAnswerWithoutAVerdictAndIsNotRetried() {
        answer(200, lookup("""
                {"request_sid": "XR1", "status": "failed", "message": "Request timed out", "code": 61001, "result": {}}"""));

        assertThat(lookUp()).isEqualTo(new Answered(List.of(SourceVerdict.unknown("nomorobo_spamscore", "failed"))));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls("scored")).isEqualTo(1);
        assertThat(retries()).isZero();
    }

    @Test
    void everyAddOnConfiguredIsAskedForInTheOnePaidCall() {
        lookups = lookups(Map.of("spamcheck.providers.twilio.add-ons", "nomorobo_spamscore,icehook_scout,marchex_cleancall"));
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));

        assertThat(lookUp()).isInstanceOfSatisfying(Answered.class, answered -> assertThat(answered.sources())
                .extracting(SourceVerdict::source, SourceVerdict::status)
                .containsExactly(tuple("nomorobo_spamscore", "successful"), tuple("icehook_scout", "missing"),
                        tuple("marchex_cleancall", "missing")));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)).withQueryParam("AddOns",
                havingExactly("nomorobo_spamscore", "icehook_scout", "marchex_cleancall")));
    }

    @Test
    void anUnknownNumberIsNotFoundAndNotRetried() {
        answer(404, error(20404));

        assertThat(lookUp()).isInstanceOf(NotFound.class);
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls("not_found")).isEqualTo(1);
        assertThat(retries()).isZero();
    }

    @Test
    void aRetryAfterBeyondTheLookupsBudgetIsPassedOnAtOnceInsteadOfWaitedFor() {
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json").withHeader("Retry-After", "30")
                .withBody(error(20429))));
        long started = System.nanoTime();

        ProviderAnswer answer = lookUp();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not held to the budget's end")
                .isLessThan(Duration.ofSeconds(2));
        assertThat(answer).isInstanceOfSatisfying(Unavailable.class, unavailable -> {
            assertThat(unavailable.errorCode()).isEqualTo("twilio_rate_limited");
            assertThat(unavailable.retryAfter()).as("the caller is told when to ask again")
                    .isEqualTo(Duration.ofSeconds(30));
        });
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @ParameterizedTest
    @ValueSource(ints = {20429, 60616})
    void rateLimitsAreRetriedThreeTimesThenGiveUpAndSlowTheAccountDown(int code) {
        answer(429, error(code));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_rate_limited"));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(retries()).isEqualTo(3);
        assertThat(calls("twilio_rate_limited")).isEqualTo(4);
        assertThat(JdbcClient.create(DATABASE).sql("SELECT rate FROM twilio_rate").query(Double.class).single())
                .as("the account-wide rate is halved for every worker").isEqualTo(50.0);
        assertThat(meters.get("spamcheck.twilio.rate").gauge().value()).isLessThan(100);
    }

    @Test
    void aRateLimitThatPassesIsAnsweredOnRetryAfterTwiliosRetryAfter() {
        twilio.stubFor(get(urlPathEqualTo(PATH)).inScenario("60616").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                        .withHeader("Retry-After", "1").withBody(error(60616))).willSetStateTo("passed"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).inScenario("60616").whenScenarioStateIs("passed")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))));

        assertThat(lookUp()).isEqualTo(nomorobo(0));
        twilio.verify(2, getRequestedFor(urlPathEqualTo(PATH)));
        List<Date> requested = twilio.getAllServeEvents().stream().map(event -> event.getRequest().getLoggedDate())
                .sorted().toList();
        assertThat(requested.get(1).getTime() - requested.get(0).getTime())
                .as("waited for Retry-After: 1, not the 10 ms back-off").isGreaterThanOrEqualTo(950);
        assertThat(retries()).isEqualTo(1);
        assertThat(calls("twilio_rate_limited")).isEqualTo(1);
        assertThat(calls("scored")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 503})
    void aServerErrorIsRetriedThreeTimesThenGivesUp(int status) {
        answer(status, error(20500));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_" + status));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(retries()).isEqualTo(3);
        assertThat(calls("twilio_http_" + status)).isEqualTo(4);
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsRetriedThenTimesOut() {
        lookups = lookups(Map.of("spamcheck.twilio.timeout", "PT0.3S"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(3000)
                .withHeader("Content-Type", "application/json")
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))));

        long started = System.nanoTime();
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("four attempts of 0.3 s each, not of the default 3 s")
                .isLessThan(Duration.ofMillis(2500));
        assertThat(calls("twilio_timeout")).isEqualTo(4);
        assertThat(retries()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH))));
    }

    @Test
    void theLookupsBudgetBoundsTheWaitForASlowAnswer() {
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(3000)
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))));
        long started = System.nanoTime();
        assertThat(lookups.lookup(NUMBER, true, null, Duration.ofMillis(1500), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the budget bounds the wait")
                .isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void aBodyThatTricklesInIsCutOffAtTheLookupsBudget() {
        // The status line with the first chunk, after 500 ms, the rest over ten seconds: once the
        // headers are in, the request's own timeout no longer applies.
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))
                .withChunkedDribbleDelay(20, 10_000)));
        long started = System.nanoTime();
        assertThat(lookups.lookup(NUMBER, true, null, Duration.ofMillis(1500), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the budget bounds the body too")
                .isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void aBodyCutOffByTheAttemptsTimeoutAfterA200IsNotPaidForAgain() {
        // The status line with the first chunk, after 100 ms; the rest over ten seconds.
        lookups = lookups(Map.of("spamcheck.twilio.timeout", "PT0.6S"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200)
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 0}")))
                .withChunkedDribbleDelay(100, 10_000)));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));
        // Twilio answered 200, so the lookup is billed: the budget had room for three more attempts.
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aBodyThatIsNotJsonIsAnUnreadableAnswerAndNotPaidForAgain() {
        answer(200, "{\"caller_name\": null, \"add_ons\": <html>");

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls("twilio_malformed_response")).isEqualTo(1);
    }

    @Test
    void aBodyCutOffAfterA200IsAnUnreadableAnswerAndNotPaidForAgain() {
        // An OK status line, then garbage and a closed connection.
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withFault(Fault.MALFORMED_RESPONSE_CHUNK)));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aRefusalOfTheCredentialsWhoseBodyIsCutOffStillPausesTheAccount() {
        lookups = lookups(Map.of("spamcheck.twilio.timeout", "PT0.6S"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(401).withBody(error(20003))
                .withChunkedDribbleDelay(100, 10_000)));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_auth_failed"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aConnectionResetBeforeAnyAnswerIsRetried() {
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_unreachable"));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void rejectedCredentialsAndBadRequestsAreNotRetried() {
        answer(401, error(20003));
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_auth_failed"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));

        twilio.resetAll();
        lookups = lookups(Map.of());
        answer(400, error(21211));
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_400"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(retries()).isZero();
    }

    @Test
    void refusedCredentialsPauseEveryClientsCallsForAMinute() {
        answer(401, error(20003));
        assertThat(lookups.lookup(NUMBER, true, "tok_first", Duration.ofSeconds(4), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class, unavailable -> {
                    assertThat(unavailable.errorCode()).isEqualTo("twilio_auth_failed");
                    // The lookup that met the refusal tells its caller of the pause too.
                    assertThat(unavailable.retryAfter()).isEqualTo(TwilioLookups.AUTH_FAILED_PAUSE);
                });

        // Another client, another number's worth of calls: none is made, each would be refused alike.
        assertThat(lookups.lookup(NUMBER, true, "tok_second", Duration.ofSeconds(4), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class, unavailable -> {
                    assertThat(unavailable.errorCode()).isEqualTo("twilio_auth_failed");
                    assertThat(unavailable.retryAfter()).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));
                });
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls("twilio_auth_failed")).isEqualTo(2);
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isZero();
    }

    @Test
    void afterThePauseOneCallTellsWhetherTheCredentialsWorkAgainWhileTheOthersWait() throws Exception {
        lookups = lookups(Map.of(), Duration.ofMillis(200));
        answer(401, error(20003));
        lookUp();
        Thread.sleep(250); // the 200 ms pause runs out: nothing outside the worker shows it

        assertThat(fiveAtOnceWithASlowAnswer()).filteredOn(answer -> answer instanceof Unavailable)
                .as("the others, told to wait").hasSize(4)
                .allSatisfy(answer -> assertThat(((Unavailable) answer).errorCode()).isEqualTo("twilio_auth_failed"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        // Told: the credentials work, and the next lookup calls at once.
        assertThat(lookUp()).isEqualTo(nomorobo(1));
    }

    @Test
    void anUnreadable200AfterThePauseStillTellsThatTheCredentialsWork() throws Exception {
        refusedThenPausedThenAnswered(200, "{\"caller_name\": null, \"add_ons\": <html>");
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_malformed_response"));

        // Twilio accepted the credentials: every lookup calls at once again.
        assertThat(fiveAtOnceWithASlowAnswer()).containsOnly(nomorobo(1));
        twilio.verify(5, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aCallThatTellsNothingOfTheCredentialsLeavesTheNextOneToTellWhileTheOthersWait() throws Exception {
        refusedThenPausedThenAnswered(500, error(20500));
        // Twilio fails the call that was to tell (and its retries): the credentials are still in doubt.
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_500"));

        fiveAtOnceWithASlowAnswer();
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    /** Twilio refuses the credentials (a 200 ms pause) and then answers so; the pause is over. */
    private void refusedThenPausedThenAnswered(int status, String body) throws InterruptedException {
        lookups = lookups(Map.of(), Duration.ofMillis(200));
        answer(401, error(20003));
        lookUp();
        twilio.resetAll();
        answer(status, body);
        Thread.sleep(250); // the 200 ms pause runs out: nothing outside the worker shows it
    }

    /** Five lookups at once, Twilio (reset) answering each call after 0.8 s: their answers. */
    private List<ProviderAnswer> fiveAtOnceWithASlowAnswer() throws Exception {
        twilio.resetAll();
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(800)
                .withHeader("Content-Type", "application/json")
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")))));
        ExecutorService callers = Executors.newFixedThreadPool(5);
        try {
            List<Future<ProviderAnswer>> answers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                answers.add(callers.submit(() -> lookups.lookup(NUMBER, true, null, Duration.ofSeconds(4),
                        CallGuard.NONE)));
            }
            List<ProviderAnswer> got = new ArrayList<>();
            for (Future<ProviderAnswer> answer : answers) {
                got.add(answer.get(10, TimeUnit.SECONDS));
            }
            return got;
        }
        finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aTwilioThatKeepsFailingIsNoLongerCalledOnceTheCircuitOpens() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "4",
                "spamcheck.twilio.circuit.sliding-window-size", "4"));
        answer(500, error(20500));

        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_500"));
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);

        long started = System.nanoTime();
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class, unavailable -> {
            assertThat(unavailable.errorCode()).isEqualTo("circuit_open");
            // When to ask again: what is left of the circuit's open time (10 s by default).
            assertThat(unavailable.retryAfter()).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(10));
        });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at once")
                .isLessThan(Duration.ofMillis(500));
        twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls("circuit_open")).isEqualTo(1);
    }

    @Test
    void callsTheirLookupsDeadlineCutShortTellTheCircuitNothingWhileCallsGivenTimeDo() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                "spamcheck.twilio.circuit.sliding-window-size", "2"));
        // Twilio answers in 1.5 s, within its 3 s timeout, to lookups that have 0.7 s left when
        // they may call (a client's burst: each waited its turn at the rate until then).
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(1500)
                .withHeader("Content-Type", "application/json")
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")))));
        for (int i = 0; i < 2; i++) {
            assertThat(lookups.lookup(NUMBER, true, "tok_late", Duration.ofMillis(700), CallGuard.NONE))
                    .isInstanceOfSatisfying(Unavailable.class,
                            unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        }
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isZero();
        assertThat(lookups.lookup(NUMBER, true, "tok_late", Duration.ofSeconds(4), CallGuard.NONE))
                .isEqualTo(nomorobo(1));

        // Given their whole timeout (here 0.6 s) and still unanswered, they are Twilio's failures.
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                "spamcheck.twilio.circuit.sliding-window-size", "2", "spamcheck.twilio.timeout", "PT0.6S",
                "spamcheck.twilio.max-retries", "0"));
        for (int i = 0; i < 2; i++) {
            assertThat(lookups.lookup(NUMBER, true, "tok_late", Duration.ofSeconds(4), CallGuard.NONE))
                    .isInstanceOfSatisfying(Unavailable.class,
                            unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        }
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);
    }

    @Test
    void callsGivenMostOfACallersShortWholeWaitStillTellTheCircuitOfAStall() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                "spamcheck.twilio.circuit.sliding-window-size", "2", "spamcheck.twilio.max-retries", "0"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(2000)
                .withHeader("Content-Type", "application/json")
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")))));
        // A gateway whose callers wait 1 s in all: no call of theirs can ever be given a second, yet
        // one given 0.9 s of it that Twilio leaves unanswered is Twilio stalling, not a lookup that waited.
        for (int i = 0; i < 2; i++) {
            assertThat(lookups.lookup(NUMBER, true, "tok_hurried", Duration.ofMillis(900), Duration.ofSeconds(1),
                    CallGuard.NONE)).isInstanceOfSatisfying(Unavailable.class,
                            unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        }
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);
    }

    @Test
    void callsCutShortWhileTheCircuitIsHalfOpenGiveTheirTrialsBack() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                "spamcheck.twilio.circuit.sliding-window-size", "2", "spamcheck.twilio.circuit.open-for", "PT0.3S",
                "spamcheck.twilio.timeout", "PT0.9S", "spamcheck.twilio.max-retries", "0"));
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(200).withFixedDelay(1500)
                .withHeader("Content-Type", "application/json")
                .withBody(lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")))));
        for (int i = 0; i < 2; i++) {
            lookups.lookup(NUMBER, true, "tok_late", Duration.ofSeconds(4), CallGuard.NONE);
        }
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);
        // Half open once its open time is over: three trial calls decide.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> meters.get("spamcheck.twilio.circuit.open").gauge().value() == 0);

        // More calls cut short than there are trials: each gives its trial back, telling nothing.
        for (int i = 0; i < 4; i++) {
            assertThat(lookups.lookup(NUMBER, true, "tok_late", Duration.ofMillis(700), CallGuard.NONE))
                    .isInstanceOfSatisfying(Unavailable.class,
                            unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_timeout"));
        }
        twilio.resetAll();
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        assertThat(lookups.lookup(NUMBER, true, "tok_late", Duration.ofSeconds(4), CallGuard.NONE))
                .isEqualTo(nomorobo(1));
        assertThat(calls("circuit_open")).isZero();
    }

    @Test
    void aHalfOpenCircuitsTrialsWaitForTheRateWhileTheClientsOtherLookupsAreAnsweredAtOnce() throws Exception {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                "spamcheck.twilio.circuit.sliding-window-size", "2", "spamcheck.twilio.circuit.open-for", "PT0.5S",
                "spamcheck.twilio.max-retries", "0", "spamcheck.twilio.rate", "2"));
        answer(500, error(20500));
        for (int i = 0; i < 2; i++) {
            lookups.lookup(NUMBER, true, "tok_burst", Duration.ofSeconds(4), CallGuard.NONE);
        }
        // Half open once its open time is over.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> meters.get("spamcheck.twilio.circuit.open").gauge().value() == 0);
        twilio.resetAll();
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));

        // Half open, and five of the client's lookups at once, at two calls a second: the three
        // trials wait for their slots; the other two take none, which would be other clients'.
        ExecutorService callers = Executors.newFixedThreadPool(5);
        List<ProviderAnswer> answers = new ArrayList<>();
        try {
            List<Future<ProviderAnswer>> lookupsAtOnce = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                lookupsAtOnce.add(callers.submit(() -> lookups.lookup(NUMBER, true, "tok_burst", Duration.ofSeconds(6),
                        CallGuard.NONE)));
            }
            for (Future<ProviderAnswer> lookup : lookupsAtOnce) {
                answers.add(lookup.get(10, TimeUnit.SECONDS));
            }
        }
        finally {
            callers.shutdownNow();
        }
        assertThat(answers).filteredOn(Answered.class::isInstance).containsExactly(nomorobo(1), nomorobo(1), nomorobo(1));
        assertThat(answers).filteredOn(Unavailable.class::isInstance).hasSize(2).allSatisfy(answer ->
                assertThat(((Unavailable) answer).errorCode()).isEqualTo("circuit_open"));
        twilio.verify(3, getRequestedFor(urlPathEqualTo(PATH)));
        // Waits for the rate: the two calls that opened the circuit and the three trials, no other.
        assertThat(meters.get("spamcheck.twilio.rate_limiter.wait").tag("origin", "interactive").timer().count())
                .isEqualTo(5);
    }

    @Test
    void oneClientsFailingCallsOpenItsOwnCircuitNotAnotherClients() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "4",
                "spamcheck.twilio.circuit.sliding-window-size", "4"));
        answer(500, error(20500));
        assertThat(lookups.lookup(NUMBER, true, "tok_bursting", Duration.ofSeconds(4), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_http_500"));
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);

        // Say those numbers alone fail (add-ons that stall for them): the other client is still asked about.
        twilio.resetAll();
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        assertThat(lookups.lookup(NUMBER, true, "tok_quiet", Duration.ofSeconds(4), CallGuard.NONE))
                .isEqualTo(nomorobo(1));
        assertThat(lookups.lookup(NUMBER, true, "tok_bursting", Duration.ofSeconds(4), CallGuard.NONE))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("circuit_open"));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isEqualTo(1);
    }

    @Test
    void aCallTheDatabaseLeftNoTimeForIsNotMadeAndGivesItsSlotBack() {
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        boolean[] reopened = {false};
        CallGuard slowClaim = new CallGuard() {
            @Override
            public boolean beginCall() {
                try {
                    // The claim's database answering only after the lookup's time is up.
                    Thread.sleep(800);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }

            @Override
            public void endCall() {
                reopened[0] = true;
            }
        };

        assertThat(lookups.lookup(NUMBER, true, null, Duration.ofMillis(700), slowClaim))
                .isInstanceOfSatisfying(Unavailable.class,
                        unavailable -> assertThat(unavailable.errorCode()).isEqualTo("lookup_budget_exhausted"));
        twilio.verify(0, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(reopened[0]).as("the claim may be taken over again").isTrue();
    }

    @Test
    void aLateCallWhoseStartTheDatabaseMovesTooSlowlyIsNotMadeAndGivesItsSlotBack() throws Exception {
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        try (Connection blocker = DATABASE.getConnection()) {
            blocker.setAutoCommit(false);
            CallGuard lateAndBlocked = new CallGuard() {
                @Override
                public boolean beginCall() {
                    try (Statement statement = blocker.createStatement()) {
                        // The claim takes long enough to make the call late, so that its start is
                        // moved in the rate window; that update then waits for this lock.
                        statement.execute("LOCK TABLE twilio_calls IN SHARE MODE");
                        Thread.sleep(50);
                    }
                    catch (SQLException | InterruptedException ex) {
                        throw new IllegalStateException(ex);
                    }
                    return true;
                }

                @Override
                public void endCall() {
                }
            };
            ExecutorService releaser = Executors.newSingleThreadExecutor();
            try {
                Future<?> released = releaser.submit(() -> {
                    // Once the move waits, the lock is held until the lookup has too little time left.
                    await().atMost(Duration.ofSeconds(5)).until(() -> JdbcClient.create(DATABASE)
                            .sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                            .query(Integer.class).single() > 0);
                    Thread.sleep(900);
                    blocker.commit();
                    return null;
                });

                assertThat(lookups.lookup(NUMBER, true, null, Duration.ofMillis(900), lateAndBlocked))
                        .isInstanceOfSatisfying(Unavailable.class,
                                unavailable -> assertThat(unavailable.errorCode()).isEqualTo("lookup_budget_exhausted"));
                released.get(10, TimeUnit.SECONDS);
            }
            finally {
                releaser.shutdownNow();
            }
        }
        twilio.verify(0, getRequestedFor(urlPathEqualTo(PATH)));
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Integer.class).single())
                .as("the slot is given back").isZero();
        assertThat(jdbc.sql("SELECT coalesce(sum(calls), 0) FROM twilio_daily_calls").query(Integer.class).single())
                .as("and its place in the day's count").isZero();
    }

    @Test
    void aRateLimitWhoseCutTheDatabaseCannotRecordIsStillRetriedAndAnswered() {
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        jdbc.sql("""
                CREATE FUNCTION refuse_rate_cut() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the rate''s row cannot be written'; END $$""").update();
        jdbc.sql("""
                CREATE TRIGGER refuse_rate_cut BEFORE INSERT OR UPDATE ON twilio_rate
                FOR EACH ROW EXECUTE FUNCTION refuse_rate_cut()""").update();
        try {
            lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "2",
                    "spamcheck.twilio.circuit.sliding-window-size", "2"));
            answer(429, error(20429));

            assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                    unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_rate_limited"));
            twilio.verify(4, getRequestedFor(urlPathEqualTo(PATH)));
            assertThat(retries()).isEqualTo(3);

            twilio.resetAll();
            answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
            assertThat(lookUp()).isEqualTo(nomorobo(1));
            assertThat(calls("circuit_open")).isZero();
        }
        finally {
            jdbc.sql("DROP TRIGGER refuse_rate_cut ON twilio_rate").update();
            jdbc.sql("DROP FUNCTION refuse_rate_cut()").update();
        }
    }

    @Test
    void aDatabaseFailureBeforeTheCallGivesItsTrialCallBackToAHalfOpenCircuit() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "4",
                "spamcheck.twilio.circuit.sliding-window-size", "4", "spamcheck.twilio.circuit.open-for", "PT0.2S"));
        answer(500, error(20500));
        lookUp();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> meters.get("spamcheck.twilio.circuit.open").gauge().value() == 0);
        CallGuard claimsUnreachable = beginning(() -> {
            throw new IllegalStateException("the claim's database is unreachable");
        });
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> lookups.lookup(NUMBER, true, null, Duration.ofSeconds(4), claimsUnreachable))
                    .hasMessageContaining("unreachable");
        }

        // Three trial calls were let through, none was made: the next lookup is one of them.
        twilio.resetAll();
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        assertThat(lookUp()).isEqualTo(nomorobo(1));
    }

    @Test
    void aNotFoundThatIsNotTwiliosIsAFailureNotACachedAnswer() {
        answer(404, "<html><body>Not Found</body></html>");

        assertThat(lookUp()).isEqualTo(new Unavailable("twilio_http_404", false, true, null));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
    }

    @Test
    void aStormOfRateLimitsSlowsTheAccountButNeverOpensTheCircuit() {
        lookups = lookups(Map.of("spamcheck.twilio.circuit.minimum-calls", "4",
                "spamcheck.twilio.circuit.sliding-window-size", "4"));
        answer(429, error(20429));

        for (int i = 0; i < 3; i++) {
            assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                    unavailable -> assertThat(unavailable.errorCode()).isEqualTo("twilio_rate_limited"));
        }
        twilio.verify(12, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(meters.get("spamcheck.twilio.circuit.open").gauge().value()).isZero();

        twilio.resetAll();
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        assertThat(lookUp()).isEqualTo(nomorobo(1));
        assertThat(calls("circuit_open")).isZero();
    }

    @Test
    void aCallThatAnswersKeepsItsClaimClosedUntilStoredAndAFailedOneOpensItForEachRetry() {
        List<String> told = new CopyOnWriteArrayList<>();
        CallGuard recording = new CallGuard() {
            @Override
            public boolean beginCall() {
                told.add("begin");
                return true;
            }

            @Override
            public void endCall() {
                told.add("end");
            }
        };

        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));
        assertThat(lookups.lookup(NUMBER, false, null, Duration.ofSeconds(4), recording)).isEqualTo(nomorobo(1));
        assertThat(told).as("answered: the claim stays closed for the store").containsExactly("begin");

        told.clear();
        answer(404, error(20404));
        assertThat(lookups.lookup(NUMBER, false, null, Duration.ofSeconds(4), recording))
                .isInstanceOf(ProviderAnswer.NotFound.class);
        assertThat(told).as("not found is stored too").containsExactly("begin");

        told.clear();
        answer(500, error(20500));
        assertThat(lookups.lookup(NUMBER, false, null, Duration.ofSeconds(4), recording))
                .isInstanceOf(Unavailable.class);
        assertThat(told).as("open for takeover between the retries and after the last")
                .containsExactly("begin", "end", "begin", "end", "begin", "end", "begin", "end");
    }

    @Test
    void aLookupTakenOverBeforeItsCallCostsNeitherARateSlotNorTheDailyLimit() {
        CallGuard takenOver = beginning(() -> false);

        assertThat(lookups.lookup(NUMBER, false, null, Duration.ofSeconds(4), takenOver))
                .isEqualTo(Unavailable.permanent(TwilioLookups.SUPERSEDED));

        twilio.verify(0, getRequestedFor(urlPathEqualTo(PATH)));
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT coalesce(sum(calls), 0) FROM twilio_daily_calls").query(Long.class).single()).isZero();
    }

    @Test
    void aClaimThatCannotBeMarkedCallingGivesItsRateSlotAndDailyCountBack() {
        CallGuard databaseFails = beginning(() -> {
            throw new QueryTimeoutException("the claim's update timed out");
        });

        assertThatThrownBy(() -> lookups.lookup(NUMBER, false, null, Duration.ofSeconds(4), databaseFails))
                .isInstanceOf(QueryTimeoutException.class);

        twilio.verify(0, getRequestedFor(urlPathEqualTo(PATH)));
        JdbcClient jdbc = JdbcClient.create(DATABASE);
        assertThat(jdbc.sql("SELECT count(*) FROM twilio_calls").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("SELECT coalesce(sum(calls), 0) FROM twilio_daily_calls").query(Long.class).single()).isZero();
    }

    @Test
    void pastTheDailyLimitTwilioIsNotCalled() {
        lookups = lookups(Map.of("spamcheck.twilio.daily-call-limit", "1"));
        answer(200, lookup(addOn("successful", "{\"status\": \"success\", \"score\": 1}")));

        assertThat(lookUp()).isEqualTo(nomorobo(1));
        assertThat(lookUp()).isInstanceOfSatisfying(Unavailable.class,
                unavailable -> assertThat(unavailable.errorCode()).isEqualTo(TwilioLookups.BUDGET_EXHAUSTED));
        twilio.verify(1, getRequestedFor(urlPathEqualTo(PATH)));
        assertThat(calls(TwilioLookups.BUDGET_EXHAUSTED)).isEqualTo(1);
    }

    /** A claim's guard that answers {@code beginCall} so and takes {@code endCall} silently. */
    private static CallGuard beginning(BooleanSupplier begin) {
        return new CallGuard() {
            @Override
            public boolean beginCall() {
                return begin.getAsBoolean();
            }

            @Override
            public void endCall() {
            }
        };
    }

    /** Fresh lookups, with fresh meters (a gauge stays with the first object registered under its name). */
    private TwilioLookups lookups(Map<String, String> overrides) {
        return lookups(overrides, TwilioLookups.AUTH_FAILED_PAUSE);
    }

    private TwilioLookups lookups(Map<String, String> overrides, Duration authFailedPause) {
        meters = new SimpleMeterRegistry();
        Map<String, String> settings = new HashMap<>(Map.of(
                "spamcheck.twilio.account-sid", "AC0123", "spamcheck.twilio.auth-token", "secret",
                // Long enough that a busy machine (a fresh CI machine installs its container tools
                // meanwhile) never turns a stub's quick answer into a timeout; tests of timeouts set less.
                "spamcheck.twilio.base-url", twilio.baseUrl(), "spamcheck.twilio.timeout", "PT3S",
                "spamcheck.twilio.rate", "100", "spamcheck.twilio.retry-base-delay", "PT0.01S",
                "spamcheck.twilio.retry-max-delay", "PT0.05S"));
        settings.putAll(overrides);
        WorkerProperties properties = new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("spamcheck", WorkerProperties.class);
        return new TwilioLookups(new TwilioLookupClient(properties), AccountRateLimiterAccess.create(
                JdbcClient.create(DATABASE), new TransactionTemplate(new DataSourceTransactionManager(DATABASE)),
                properties, meters), properties, meters, authFailedPause);
    }

    private double calls(String outcome) {
        Counter counter = meters.find("spamcheck.twilio.calls").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double retries() {
        Counter counter = meters.find("spamcheck.twilio.retries").counter();
        return counter == null ? 0 : counter.count();
    }

    private static Answered nomorobo(int score) {
        return new Answered(List.of(new SourceVerdict("nomorobo_spamscore",
                score == 1 ? SourceVerdict.Verdict.FLAGGED : SourceVerdict.Verdict.CLEAN, score * 100, List.of(),
                "successful")));
    }

    private ProviderAnswer lookUp() {
        return lookups.lookup(NUMBER, true, null, Duration.ofSeconds(4), CallGuard.NONE);
    }

    private static void answer(int status, String body) {
        twilio.stubFor(get(urlPathEqualTo(PATH)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static String addOn(String status, String result) {
        return """
                {"request_sid": "XR1", "status": "%s", "message": null, "code": null, "result": %s}"""
                .formatted(status, result);
    }

    private static String lookup(String addOn) {
        return """
                {"caller_name": null, "carrier": null, "country_code": "US", "national_format": "(212) 555-0123",
                 "phone_number": "%s",
                 "add_ons": {"status": "successful", "message": null, "code": null,
                             "results": {"nomorobo_spamscore": %s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/%s?AddOns=nomorobo_spamscore"}"""
                .formatted(NUMBER, addOn, NUMBER);
    }

    private static String error(int code) {
        return "{\"code\": " + code + ", \"message\": \"error\", \"status\": 0}";
    }
}
