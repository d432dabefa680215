package dev.spamcheck.archiver;

import org.springframework.core.NestedExceptionUtils;

import dev.spamcheck.schemas.kafka.TopicSender;

/** How the archiver reports why a job failed, in its tables and logs. */
public final class Failures {

    private static final int MAX_REASON_LENGTH = 500;

    private Failures() {
    }

    /**
     * The innermost cause, one line, never a stack trace. Nothing the archiver handles holds a
     * number in plaintext, so a database or Kafka message may be shown to an admin as it is.
     */
    public static String reason(Throwable failure) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        String message = cause.getMessage() == null ? "" : ": " + cause.getMessage().strip().replaceAll("\\s+", " ");
        String reason = cause.getClass().getSimpleName() + message;
        for (Throwable t = failure; t != null && t != cause; t = t.getCause()) {
            if (t instanceof TopicSender.NotAcknowledged unacknowledged) {
                // How many of the sends failed is part of the story.
                reason = unacknowledged.getMessage() + " (" + reason + ")";
                break;
            }
        }
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH - 1) + "…";
    }
}
