package dev.spamcheck.archiver.replay;

import org.springframework.context.ConfigurableApplicationContext;

import dev.spamcheck.archiver.ArchiverApplication;
import dev.spamcheck.archiver.Failures;

/**
 * {@code java -jar archiver.jar replay-results}: replays the results topic into
 * {@code phone_reputation} in this process, with the archiver's configuration, prints its report
 * and exits 0 (1 when it failed).
 */
public final class ReplayResultsCommand {

    private ReplayResultsCommand() {
    }

    /** @param args Spring arguments, as the archiver takes them */
    public static int run(String... args) {
        try {
            ResultsReplay.Report report = replay(args);
            System.out.println("Replayed " + report.read() + " lookup results; " + report.applied()
                    + " cached answers written to phone_reputation, " + report.removed() + " purged numbers removed.");
            return 0;
        }
        catch (RuntimeException ex) {
            System.err.println("replay-results: " + Failures.reason(ex));
            return 1;
        }
    }

    /** Runs the replay in a command context of its own and returns its report. */
    public static ResultsReplay.Report replay(String... args) {
        try (ConfigurableApplicationContext archiver = ArchiverApplication.command(args)) {
            return archiver.getBean(ResultsReplay.class).run();
        }
    }
}
