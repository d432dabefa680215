package dev.spamcheck.devstack;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

/**
 * Answers like Twilio Lookup v1 with the add-ons asked for ({@code AddOns=}: Nomorobo Spam Score,
 * IceHook Scout, Marchex Clean Call, TrueSpam; each in its documented result shape), by the last
 * four digits:
 *
 * <pre>
 * 0001-0099  flagged: score 1
 * 4290       always HTTP 429, code 20429
 * 6061       HTTP 429 with code 60616 twice, then success (score 0)
 * 5000       always HTTP 500
 * 6100       lookup succeeds but every add-on failed (status "failed", code 61001)
 * 4040       HTTP 404, code 20404
 * 7777       answers after 10 s
 * 5020       HTTP 200 with a body that is not JSON
 * 5030       the connection is reset
 * 4000       HTTP 400, code 21211 (an error nothing can fix by retrying)
 * 8800-8899  clean on the number's first lookup, flagged on every later one (it turns)
 * 8900-8999  flagged on the number's first lookup, clean on every later one (it is cleared)
 * 7101       Nomorobo flags it; IceHook Scout (20), Marchex (PASS) and TrueSpam (30) call it clean
 * 7102       Nomorobo calls it clean; IceHook Scout (94), Marchex (BLOCK) and TrueSpam (85) flag it
 * 7103       split: Nomorobo and IceHook Scout (20) clean, Marchex (FLAG) and TrueSpam (85) flag it
 * 7104       Nomorobo failed (61001); IceHook Scout (94), Marchex (BLOCK) and TrueSpam (85) flag it
 * 7105       Nomorobo clean, IceHook Scout failed, Marchex PASS, TrueSpam has no data (no match)
 * otherwise  clean: score 0, after SPAMCHECK_STUB_LATENCY (default 150 ms)
 * </pre>
 *
 * Elsewhere every other add-on agrees with Nomorobo: flagged is IceHook Scout 90, Marchex BLOCK,
 * TrueSpam 90; clean is IceHook Scout 10, Marchex PASS, TrueSpam 5.
 *
 * The 60616 answers carry {@code Retry-After: 1}.
 *
 * Wrong credentials get HTTP 401, code 20003, as from Twilio.
 */
final class TwilioStubBehaviour implements ResponseDefinitionTransformerV2 {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private final String expectedAuthorization;
    private final AtomicReference<Duration> latency;
    private final Map<String, AtomicInteger> rateLimitedSoFar = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> answeredSoFar = new ConcurrentHashMap<>();
    private volatile boolean rateLimitEverything;

    /** @param expectedAuthorization the whole {@code Authorization} header a call must carry */
    TwilioStubBehaviour(String expectedAuthorization, Duration latency) {
        this.expectedAuthorization = expectedAuthorization;
        this.latency = new AtomicReference<>(latency);
    }

    void latency(Duration latency) {
        this.latency.set(latency);
    }

    void rateLimitEverything(boolean on) {
        this.rateLimitEverything = on;
    }

    @Override
    public String getName() {
        return "twilio-lookup-v1";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        if (!expectedAuthorization.equals(event.getRequest().getHeader("Authorization"))) {
            return error(401, 20003, "Authenticate");
        }
        String number = TwilioStub.numberOf(event);
        if (number == null || number.length() < 5) {
            return error(404, 20404, "The requested resource was not found");
        }
        if (rateLimitEverything) {
            return error(429, 20429, "Too Many Requests");
        }
        List<String> addOns = event.getRequest().queryParameter("AddOns").isPresent()
                ? event.getRequest().queryParameter("AddOns").values() : List.of("nomorobo_spamscore");
        String lastFour = number.substring(number.length() - 4);
        int lastFourValue = Integer.parseInt(lastFour.replaceAll("\\D", "0"));
        switch (lastFour) {
            case "4290":
                return error(429, 20429, "Too Many Requests");
            case "6061":
                if (rateLimitedSoFar.computeIfAbsent(number, n -> new AtomicInteger()).getAndIncrement() < 2) {
                    return error(429, 60616, "Rate limit exceeded for the Lookup package", "1");
                }
                return success(number, addOns, Opinions.agreeing(false), latency.get());
            case "5000":
                return error(500, 20500, "An internal server error has occurred");
            case "6100":
                return success(number, addOns, Opinions.ALL_FAILED, Duration.ZERO);
            case "7101", "7102", "7103", "7104", "7105":
                return success(number, addOns, Opinions.DISAGREEING.get(lastFour), latency.get());
            case "4040":
                return error(404, 20404, "The requested resource /PhoneNumbers/" + number + " was not found");
            case "7777":
                return success(number, addOns, Opinions.agreeing(false), Duration.ofSeconds(10));
            case "5020":
                return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"caller_name\": null, \"add_ons\": <html>").build();
            case "5030":
                return new ResponseDefinitionBuilder().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
            case "4000":
                return error(400, 21211, "Invalid 'To' Phone Number");
            default:
                if (lastFourValue >= 8800 && lastFourValue <= 8999) {
                    boolean first = answeredSoFar.computeIfAbsent(number, n -> new AtomicInteger()).getAndIncrement() == 0;
                    boolean turnsFlagged = lastFourValue <= 8899;
                    return success(number, addOns, Opinions.agreeing(first != turnsFlagged), latency.get());
                }
                return success(number, addOns, Opinions.agreeing(lastFourValue >= 1 && lastFourValue <= 99),
                        latency.get());
        }
    }

    private static ResponseDefinition success(String number, List<String> addOns, Opinions opinions, Duration delay) {
        String sid = sid(number);
        String results = addOns.stream().map(name -> "\"%s\": %s".formatted(name, opinions.result(name, sid)))
                .collect(Collectors.joining(", "));
        String body = """
                {"caller_name": null, "carrier": null, "country_code": "%s", "national_format": "%s",
                 "phone_number": "%s",
                 "add_ons": {"status": "successful", "message": null, "code": null, "results": {%s}},
                 "url": "https://lookups.twilio.com/v1/PhoneNumbers/%s?AddOns=%s"}"""
                .formatted(region(number), nationalFormat(number), number, results, number,
                        String.join("&AddOns=", addOns));
        return json(200, body, delay);
    }

    /** What each add-on says of a number: its result object, or null when it failed. */
    private record Opinions(String nomorobo, String icehook, String marchex, String truespam) {

        static final Opinions ALL_FAILED = new Opinions(null, null, null, null);
        static final Map<String, Opinions> DISAGREEING = Map.of(
                "7101", new Opinions(nomorobo(1), icehook(20, "unlikely"), marchex("PASS", "CleanCall"), truespam(30)),
                "7102", new Opinions(nomorobo(0), icehook(94, "highly_likely"), marchex("BLOCK", "Robocaller"),
                        truespam(85)),
                "7103", new Opinions(nomorobo(0), icehook(20, "unlikely"), marchex("FLAG", "Suspected spam"),
                        truespam(85)),
                "7104", new Opinions(null, icehook(94, "highly_likely"), marchex("BLOCK", "Robocaller"), truespam(85)),
                "7105", new Opinions(nomorobo(0), null, marchex("PASS", "CleanCall"),
                        "{\"caller_name\": \"\", \"spam_score\": 0, \"spam_score_match\": 0}"));

        static Opinions agreeing(boolean flagged) {
            return flagged ? new Opinions(nomorobo(1), icehook(90, "highly_likely"), marchex("BLOCK", "Robocaller"),
                    truespam(90))
                    : new Opinions(nomorobo(0), icehook(10, "unlikely"), marchex("PASS", "CleanCall"), truespam(5));
        }

        /** The add-on's entry in {@code add_ons.results}; an add-on the stub does not know is missing. */
        String result(String addOn, String sid) {
            String result = switch (addOn) {
                case "nomorobo_spamscore" -> nomorobo;
                case "icehook_scout" -> icehook;
                case "marchex_cleancall" -> marchex;
                case "truecnam_truespam" -> truespam;
                default -> "";
            };
            if (result == null) {
                return """
                        {"request_sid": "XR%s", "status": "failed", "message": "Request timed out", "code": 61001,
                         "result": {}}""".formatted(sid);
            }
            if (result.isEmpty()) {
                return "null";
            }
            return """
                    {"request_sid": "XR%s", "status": "successful", "message": null, "code": null, "result": %s}"""
                    .formatted(sid, result);
        }

        private static String nomorobo(int score) {
            return "{\"status\": \"success\", \"message\": \"success\", \"score\": %d}".formatted(score);
        }

        private static String icehook(int level, String rating) {
            return "{\"line_type\": \"voip\", \"ported\": false, \"risk_rating\": \"%s\", \"risk_level\": %d}"
                    .formatted(rating, level);
        }

        private static String marchex(String recommendation, String reason) {
            return "{\"result\": {\"recommendation\": \"%s\", \"reason\": \"%s\"}}".formatted(recommendation, reason);
        }

        private static String truespam(int score) {
            return "{\"caller_name\": \"\", \"spam_score\": %d, \"spam_score_match\": 1}".formatted(score);
        }
    }

    private static ResponseDefinition error(int status, int code, String message) {
        return error(status, code, message, null);
    }

    private static ResponseDefinition error(int status, int code, String message, String retryAfter) {
        String body = """
                {"code": %d, "message": "%s", "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}"""
                .formatted(code, message, code, status);
        ResponseDefinition response = json(status, body, Duration.ZERO);
        if (retryAfter == null) {
            return response;
        }
        return ResponseDefinitionBuilder.like(response).withHeader("Retry-After", retryAfter).build();
    }

    private static ResponseDefinition json(int status, String body, Duration delay) {
        return new ResponseDefinitionBuilder()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withHeader("Twilio-Request-Id", "RQ" + java.util.UUID.randomUUID().toString().replace("-", ""))
                .withBody(body)
                .withFixedDelay((int) delay.toMillis())
                .build();
    }

    private static String sid(String number) {
        return Integer.toHexString(number.hashCode()) + "00000000000000000000000000";
    }

    private static String region(String number) {
        try {
            return PHONES.getRegionCodeForNumber(PHONES.parse(number, null));
        }
        catch (NumberParseException ex) {
            return "US";
        }
    }

    private static String nationalFormat(String number) {
        try {
            return PHONES.format(PHONES.parse(number, null), PhoneNumberUtil.PhoneNumberFormat.NATIONAL);
        }
        catch (NumberParseException ex) {
            return number;
        }
    }
}
