package dev.plexd.firewall;

import java.time.Duration;

/** The mutable side of {@link FirewallStats}; callers hold their backend's lock. */
final class StatsRecorder {

    private long applies;
    private long failures;
    private long driftRepairs;
    private long lastApplyNanos;
    private int lastElements;
    private int lastLines;
    private int lastBytes;

    void applied(long startNanos, boolean ok) {
        lastApplyNanos = System.nanoTime() - startNanos;
        if (ok) {
            applies++;
        } else {
            failures++;
        }
    }

    void transaction(int elements, int lines, int bytes) {
        lastElements = elements;
        lastLines = lines;
        lastBytes = bytes;
    }

    void driftRepaired() {
        driftRepairs++;
    }

    FirewallStats snapshot() {
        return new FirewallStats(applies, failures, driftRepairs, Duration.ofNanos(lastApplyNanos), lastElements,
                lastLines, lastBytes);
    }
}
