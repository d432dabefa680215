package dev.spamcheck.schemas.topic;

import java.util.Arrays;
import java.util.Optional;

/** The services of spamcheck, by the {@code spring.application.name} each runs under. */
public enum Service {
    GATEWAY("spamcheck-gateway"),
    LOOKUP_WORKER("spamcheck-lookup-worker"),
    ARCHIVER("spamcheck-archiver"),
    NOTIFIER("spamcheck-notifier");

    private final String applicationName;

    Service(String applicationName) {
        this.applicationName = applicationName;
    }

    public String applicationName() {
        return applicationName;
    }

    /** The service an application name belongs to; empty for anything else (a command, a test). */
    public static Optional<Service> named(String applicationName) {
        return Arrays.stream(values()).filter(service -> service.applicationName.equals(applicationName)).findFirst();
    }
}
