package dev.spamcheck.worker.twilio;

/**
 * Asked right before each Twilio call and told right after it: bulk lookups hold their number's
 * claim only loosely, and an interactive lookup may take it over while they wait for rate budget.
 */
public interface CallGuard {

    /** A guard for lookups nothing can take over. */
    CallGuard NONE = new CallGuard() {
        @Override
        public boolean beginCall() {
            return true;
        }

        @Override
        public void endCall() {
        }
    };

    /** Whether the call may go ahead now; false when the lookup was taken over. */
    boolean beginCall();

    void endCall();
}
