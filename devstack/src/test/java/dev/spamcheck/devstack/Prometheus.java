package dev.spamcheck.devstack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.springframework.context.ConfigurableApplicationContext;

/** A service's metrics as Prometheus scrapes them. */
final class Prometheus {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Prometheus() {
    }

    /**
     * The sum of the samples whose line starts with {@code series}, such as
     * {@code spamcheck_number_ciphertexts{key="k2"}}, on a service: that metric only, not others
     * whose name merely begins the same ({@code spamcheck_twilio_rate} is not
     * {@code spamcheck_twilio_rate_limiter_wait_seconds_count}).
     */
    static double value(ConfigurableApplicationContext service, String series) {
        try {
            // A gateway's actuator is on its management port; the other services serve only that.
            String port = service.getEnvironment().getProperty("local.management.port",
                    String.valueOf(DevStack.port(service)));
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/actuator/prometheus")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines().filter(line -> line.startsWith(series) && !continuesName(line, series.length()))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        }
        catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static boolean continuesName(String line, int at) {
        char next = line.charAt(at);
        return Character.isLetterOrDigit(next) || next == '_' || next == ':';
    }
}
