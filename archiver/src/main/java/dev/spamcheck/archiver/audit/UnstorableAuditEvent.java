package dev.spamcheck.archiver.audit;

import org.springframework.core.NestedExceptionUtils;

import dev.spamcheck.schemas.kafka.DeadLetters;

/** An audit event that will never be stored, however often it is retried: it goes to the dead-letter topic. */
final class UnstorableAuditEvent extends RuntimeException implements DeadLetters.SafeMessage {

    UnstorableAuditEvent(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }

    /** What to log about a failure: never a message that could quote the event. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnstorableAuditEvent unstorable) {
                return unstorable.getMessage();
            }
        }
        return NestedExceptionUtils.getMostSpecificCause(failure).getClass().getSimpleName();
    }
}
