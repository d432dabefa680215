package dev.spamcheck.load;

import static io.gatling.javaapi.http.HttpDsl.http;

import java.time.Duration;

import io.gatling.javaapi.http.HttpProtocolBuilder;

/**
 * What a simulation runs against and for how long, from system properties that bin/bench's
 * BenchMain sets: {@code load.url} (base URL), {@code load.path}, {@code load.token} (empty for
 * none), {@code load.duration} and {@code load.warmup} (ISO-8601).
 */
final class Target {

    private Target() {
    }

    static HttpProtocolBuilder protocol() {
        HttpProtocolBuilder protocol = http.baseUrl(System.getProperty("load.url"))
                .contentTypeHeader("application/json")
                .acceptHeader("application/json");
        String token = System.getProperty("load.token", "");
        return token.isEmpty() ? protocol : protocol.authorizationHeader("Bearer " + token);
    }

    /**
     * The Twilio stub as a worker reaches it: {@code load.stub-url}, and {@code load.stub-authorization}
     * (the whole header value). The numbers come encoded, as a worker encodes them.
     */
    static HttpProtocolBuilder stubProtocol() {
        return http.baseUrl(System.getProperty("load.stub-url"))
                .acceptHeader("application/json")
                .authorizationHeader(System.getProperty("load.stub-authorization"))
                .disableUrlEncoding();
    }

    static String stubPath() {
        return "/v1/PhoneNumbers/#{number}?AddOns=nomorobo_spamscore";
    }

    static String path() {
        return System.getProperty("load.path", "/api/v1/spam_score");
    }

    static Duration duration() {
        return Duration.parse(System.getProperty("load.duration", "PT20S"));
    }

    static Duration warmup() {
        return Duration.parse(System.getProperty("load.warmup", "PT5S"));
    }

    static double rate() {
        return Double.parseDouble(System.getProperty("load.rate", "25"));
    }

    static String body() {
        return "{\"phone_number\": \"#{number}\"}";
    }
}
