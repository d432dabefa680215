package dev.spamcheck.worker.provider;

import java.time.Duration;

/**
 * A paid source of reputation verdicts, asked once per call. What protects the account around it
 * (rate and daily limits, retries, the circuit breaker, the number's claim) is not its concern:
 * an implementation makes one request within the time it is given, never throws, and reads the
 * answer into {@link ProviderAnswer}. Nothing outside the worker knows which provider answered
 * except through the result record's sources.
 */
public interface ReputationProvider {

    /** @param timeout how long this one call may take at most */
    ProviderAnswer ask(String e164, Duration timeout);
}
