package dev.spamcheck.devstack;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the shared test devstack when the test run ends (registered in
 * {@code META-INF/services}). Not only from a JVM shutdown hook: there Kafka's test kit deletes the
 * broker's directories from a hook of its own at the same moment, and a service's Kafka client,
 * closing against a broker failing under it, held the test JVM past its exit until Surefire killed
 * it 30 s later.
 */
public final class TestStackStop implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        TestStack.stop();
    }
}
