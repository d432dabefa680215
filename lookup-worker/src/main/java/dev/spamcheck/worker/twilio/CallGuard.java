package dev.spamcheck.worker.twilio;

/**
 * Asked right before each Twilio call and told right after one that gave no answer: bulk lookups
 * hold their number's claim only loosely, and an interactive lookup may take it over while they
 * wait for rate budget or for a retry. After a call that answered, the claim stays closed until
 * the answer is stored, which gives the claim up.
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

    /** The call gave no answer to store (it failed, or will be retried): the claim may be taken over again. */
    void endCall();
}
