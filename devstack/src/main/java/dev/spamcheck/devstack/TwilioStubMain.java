package dev.spamcheck.devstack;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.springframework.boot.convert.DurationStyle;

/**
 * The Twilio stub alone, for the containers' dev profile: a sidecar of lookup-worker that listens
 * on the worker's loopback ({@code TWILIO_STUB_PORT}, 8089), which is the only place the worker
 * sends credentials over plain HTTP. Its magic numbers are those of the devstack (docs/testing.md).
 */
public final class TwilioStubMain {

    private TwilioStubMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(System.getenv().getOrDefault("TWILIO_STUB_PORT", "8089"));
        Duration latency = DurationStyle.detectAndParse(System.getenv().getOrDefault("SPAMCHECK_STUB_LATENCY", "150ms"));
        TwilioStub stub = TwilioStub.start(latency, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stub.close();
            stopped.countDown();
        }));
        System.out.println("Twilio stub on " + stub.baseUrl() + " (account " + TwilioStub.ACCOUNT_SID + ")");
        stopped.await();
    }
}
