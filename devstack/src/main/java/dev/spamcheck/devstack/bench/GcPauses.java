package dev.spamcheck.devstack.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * The measured server's garbage-collection pauses over a run, from JDK Flight Recorder: a latency
 * tail the size of the longest pause points at the collector rather than at spamcheck.
 */
final class GcPauses {

    private final ProcessRecording recording;

    private GcPauses(ProcessRecording recording) {
        this.recording = recording;
    }

    /** @param longest the longest pause; {@code over5ms} how many paused longer than 5 ms */
    record Report(int pauses, Duration longest, int over5ms) {
    }

    static GcPauses start(long pid, Path directory) throws IOException, InterruptedException {
        return new GcPauses(ProcessRecording.start(pid, "gc-pauses", directory,
                "<event name=\"jdk.GCPhasePause\"><setting name=\"enabled\">true</setting>"
                        + "<setting name=\"threshold\">0 ms</setting></event>"));
    }

    Report stop(Path file) throws IOException, InterruptedException {
        recording.stop(file);
        int pauses = 0;
        int over5ms = 0;
        Duration longest = Duration.ZERO;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (event.getEventType().getName().equals("jdk.GCPhasePause")) {
                pauses++;
                over5ms += event.getDuration().toMillis() > 5 ? 1 : 0;
                longest = event.getDuration().compareTo(longest) > 0 ? event.getDuration() : longest;
            }
        }
        return new Report(pauses, longest, over5ms);
    }
}
