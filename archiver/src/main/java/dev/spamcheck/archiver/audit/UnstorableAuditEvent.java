package dev.spamcheck.archiver.audit;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.support.serializer.DeserializationException;

import dev.spamcheck.schemas.kafka.DeadLetters;

/** An audit event that will never be stored, however often it is retried: it goes to the dead-letter topic. */
final class UnstorableAuditEvent extends RuntimeException implements DeadLetters.SafeMessage {

    UnstorableAuditEvent(String reason, Throwable cause) {
        super(reason, cause, false, false);
    }

    /** What to log about a failure: never a message that could quote the event. */
    static String reason(Throwable failure) {
        UnstorableAuditEvent unstorable = find(failure);
        return unstorable != null ? unstorable.getMessage()
                : NestedExceptionUtils.getMostSpecificCause(failure).getClass().getSimpleName();
    }

    /**
     * Whether the failure is an event the error handler moves to the dead-letter topic at once:
     * one that will never be stored, or that could not be read (Spring Kafka never retries those).
     */
    static boolean deadLettered(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnstorableAuditEvent || t instanceof DeserializationException) {
                return true;
            }
        }
        return false;
    }

    private static UnstorableAuditEvent find(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnstorableAuditEvent unstorable) {
                return unstorable;
            }
        }
        return null;
    }
}
